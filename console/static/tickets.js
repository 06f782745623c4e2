// Tickets (R13-R17): the list, and one ticket's clocks (running, met, breached, time left) and
// timeline beside its linked calls, each playable the way a call's page plays it.
import { ApiError, get, post } from "./api.js";
import { t, word } from "./i18n.js";
import { el, duration, table, when } from "./view.js";

const PAGE = 20;

export async function ticketsPage(main, params) {
  const page = Math.max(1, Number(params.get("page")) || 1);
  const result = await get("/tickets", { limit: PAGE, offset: (page - 1) * PAGE });
  main.replaceChildren(el("h2", {}, t("tickets.title")));
  if (!result.items.length) { main.append(el("p", { class: "empty" }, t("tickets.none"))); return; }
  const breached = (tk) => tk.clocks.some((c) => c.state === "breached");
  main.append(table([t("tickets.accepted"), t("tickets.subject"), t("tickets.customer"), t("tickets.status"), t("tickets.clocks")],
    result.items.map((tk) => [el("a", { href: `#/tickets/${tk.id}` }, when(tk.accepted_at)), tk.subject,
      tk.customer.number, word(tk.status), el("span", { class: breached(tk) ? "badge overtalk" : "" },
        tk.clocks.map((c) => `${c.name}: ${word(c.state)}`).join(", "))])));
  const pages = Math.max(1, Math.ceil(result.total / PAGE));
  main.append(el("div", { class: "pager" },
    el("a", { href: page > 1 ? `#/tickets?page=${page - 1}` : null }, t("calls.prev")),
    el("span", {}, t("calls.page", { p: page, n: pages })),
    el("a", { href: page < pages ? `#/tickets?page=${page + 1}` : null }, t("calls.next"))));
}

async function linkedCall(id) {
  let call;
  try { call = await get(`/calls/${id}`); } catch (e) { return el("li", {}, `#${id}: ${e.message}`); }
  const item = el("li", {}, el("a", { href: `#/calls/${id}` }, `#${id} ${when(call.started_at)} · ${call.caller} → ${call.agent || "-"} · ${Math.round(call.talk_seconds)} s`));
  if (call.recording) {
    try {
      const { url } = await post(`/calls/${id}/recording/link`);
      item.append(el("audio", { controls: true, preload: "none", src: url }));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 403)) throw e;
    }
  }
  return item;
}

export async function ticketPage(main, id) {
  const tk = await get(`/tickets/${id}`);
  const clocks = table([t("tickets.clock"), t("tickets.state"), t("tickets.due"), t("tickets.left")],
    tk.clocks.map((c) => [c.name, el("span", { class: `clock ${c.state}` }, word(c.state)), when(c.due_at),
      c.state === "running" ? duration(c.remaining_seconds) : when(c.met_at)]));
  const events = el("ol", { class: "timeline" }, tk.events.map((e) => el("li", {},
    el("time", {}, when(e.at)), ` ${word(e.type)} `, el("small", {}, e.by || ""),
    ...Object.entries(e).filter(([k]) => !["at", "type", "by"].includes(k))
      .map(([k, v]) => el("small", { class: "kv" }, ` ${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`)))));
  const calls = el("ul", { class: "linked" }, await Promise.all(tk.call_ids.map(linkedCall)));
  main.replaceChildren(el("h2", {}, `#${tk.id} ${tk.subject}`),
    el("p", { class: "facts" }, `${word(tk.status)} · ${tk.customer.number} ${tk.customer.name} · ${when(tk.accepted_at)}`),
    el("div", { class: "ticket-grid" },
      el("section", {}, el("h3", {}, t("tickets.clocks")), clocks, el("h3", {}, t("tickets.events")), events),
      el("section", {}, el("h3", {}, t("tickets.calls")), calls)));
}
