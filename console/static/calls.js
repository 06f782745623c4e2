// The calls list: GET /calls with its filters (dates in the company's time zone, agent, caller,
// outcome, dead air, overtalk), newest first, a page at a time. The filters live in the URL's
// hash, so a search can be bookmarked and Back works.
import { get } from "./api.js";
import { t, word } from "./i18n.js";
import { el, table, when } from "./view.js";

const PAGE = 20;
const DISPOSITIONS = ["answered", "abandoned", "voicemail", "forwarded", "missed", "refused"];

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function choice(name, value, options) {
  return el("select", { name, id: `f-${name}` }, options.map(([v, label]) =>
    el("option", { value: v, selected: v === value }, label)));
}

function flagBadges(call) {
  const flags = call.qa_flags || {};
  return [["dead_air", flags.dead_air], ["overtalk", flags.overtalk]]
    .filter(([, spans]) => spans?.length)
    .map(([kind, spans]) => el("span", { class: `badge ${kind}` }, `${t(`flag.${kind}`)} ${spans.length}`));
}

export async function callsPage(main, params) {
  const p = Object.fromEntries(params);
  const page = Math.max(1, Number(p.page) || 1);
  const form = el("form", { id: "filters", class: "filters" },
    el("label", {}, t("calls.since"), el("input", { type: "date", name: "since", value: p.since || "" })),
    el("label", {}, t("calls.until"), el("input", { type: "date", name: "until", value: p.until || "" })),
    el("label", {}, t("calls.agent"), el("input", { name: "agent", value: p.agent || "", size: 6 })),
    el("label", {}, t("calls.caller"), el("input", { name: "caller", value: p.caller || "", size: 12 })),
    el("label", {}, t("calls.disposition"), choice("disposition", p.disposition || "",
      [["", t("calls.any")], ...DISPOSITIONS.map((d) => [d, word(d)])])),
    el("label", {}, t("calls.dead_air"), choice("dead_air", p.dead_air || "",
      [["", t("calls.any")], ["true", t("calls.yes")], ["false", t("calls.no")]])),
    el("label", {}, t("calls.overtalk"), choice("overtalk", p.overtalk || "",
      [["", t("calls.any")], ["true", t("calls.yes")], ["false", t("calls.no")]])),
    el("button", { type: "submit" }, t("calls.search")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
    location.hash = `#/calls?${q}`;
  });
  main.replaceChildren(el("h2", {}, t("calls.title")), form);
  const result = await get("/calls", {
    since: p.since ? `${p.since}T00:00:00` : undefined,
    until: p.until ? `${nextDay(p.until)}T00:00:00` : undefined,
    agent: p.agent, caller: p.caller, disposition: p.disposition,
    dead_air: p.dead_air, overtalk: p.overtalk, limit: PAGE, offset: (page - 1) * PAGE,
  });
  const pages = Math.max(1, Math.ceil(result.total / PAGE));
  const go = (n) => { params.set("page", String(n)); location.hash = `#/calls?${params}`; };
  const rows = result.items.map((c) => [
    el("a", { href: `#/calls/${c.id}`, class: "call-link", "data-call": String(c.id) }, when(c.started_at)),
    c.caller, c.agent || "", word(c.disposition), `${Math.round(c.talk_seconds)} s`, flagBadges(c)]);
  main.append(
    result.items.length ? table([t("calls.time"), t("calls.caller"), t("calls.agent"),
      t("calls.disposition"), t("calls.talk"), t("calls.flags")], rows)
      : el("p", { class: "empty" }, t("calls.none")),
    el("div", { class: "pager" },
      el("button", { type: "button", disabled: page <= 1, onclick: () => go(page - 1) }, t("calls.prev")),
      el("span", { id: "calls-total" }, `${t("calls.page", { p: page, n: pages })} · ${t("calls.total", { n: result.total })}`),
      el("button", { type: "button", disabled: page >= pages, onclick: () => go(page + 1) }, t("calls.next"))));
}
