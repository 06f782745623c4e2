// One call: its facts, the player (player.js) and, beside it, the scoring form. A call without a
// review gets the form (r23 unless another is chosen) prefilled from its QA flags with their
// evidence (GET /qa/reviews/prefill); a draft is edited in place; a confirmed review is shown
// read-only with every version of its chain.
import { ApiError, get, patch, post } from "./api.js";
import { t, word } from "./i18n.js";
import { Player, flagLabel } from "./player.js";
import { el, say, sayError, when } from "./view.js";

export async function callPage(main, id) {
  const call = await get(`/calls/${id}`);
  const player = new Player(call);
  const side = el("aside", { class: "review card", id: "review" });
  main.replaceChildren(
    el("h2", {}, t("call.title", { id: call.id })),
    el("p", { class: "facts" }, `${when(call.started_at)} · ${t("call.caller")} ${call.caller} · `
      + `${t("call.agent")} ${call.agent || "-"} · ${word(call.disposition)} · ${Math.round(call.talk_seconds)} s`),
    el("div", { class: "call-grid" }, player.root, side));
  await player.load();
  await reviewPanel(side, call, player);
  return () => player.destroy();
}

async function reviewPanel(side, call, player) {
  side.replaceChildren(el("h3", {}, t("review.title")));
  let chain = [];
  try {
    chain = await get("/qa/reviews", { call_id: call.id });
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) { side.append(el("p", {}, t("error.forbidden"))); return; }
    throw error;
  }
  chain.sort((a, b) => a.version - b.version);
  const latest = chain[chain.length - 1];
  let forms = null;
  try {
    forms = await get("/qa/forms");
  } catch (error) {
    // An agent token reads its own reviews but scores nothing.
    if (!(error instanceof ApiError && error.status === 403)) throw error;
  }
  if (latest?.status === "confirmed" || (latest && !forms)) {
    readOnly(side, chain, player, forms, call);
    return;
  }
  if (!forms) { side.append(el("p", {}, t("review.none"))); return; }
  const formId = latest?.form || "r23";
  await editor(side, call, player, forms, formId, latest, chain);
}

function versionsList(chain) {
  return el("ol", { class: "versions", id: "versions" }, chain.map((r) => el("li", {},
    t("review.version", { v: r.version, status: word(r.status), total: r.total, max: r.max_total,
      at: when(r.confirmed_at || r.created_at) }))));
}

function readOnly(side, chain, player, forms, call) {
  const review = chain[chain.length - 1];
  const titles = new Map((forms || []).flatMap((f) => f.items.map((i) => [i.id, i.title])));
  // Staff may correct a confirmed review: a new draft version that supersedes it.
  const revise = forms && review.status === "confirmed"
    ? el("button", { type: "button", id: "revise-review", onclick: async () => {
      try { await post(`/qa/reviews/${review.id}/revisions`, {}); await reviewPanel(side, call, player); }
      catch (e) { sayError(e); } } }, t("review.revise")) : "";
  side.append(
    el("p", { class: "status confirmed", id: "review-status" }, `${word(review.status)} · ${t("review.total")} ${review.total} / ${review.max_total}`),
    el("p", { class: "hint" }, t("review.readonly")),
    el("table", { class: "score" }, el("tbody", {}, review.items.map((item) => el("tr", {},
      el("td", {}, titles.get(item.id) || item.id), el("td", {}, String(item.points)),
      el("td", {}, item.note || ""),
      el("td", {}, item.at_seconds !== null && item.at_seconds !== undefined
        ? el("button", { type: "button", class: "seek", onclick: () => player.seek(item.at_seconds) }, `▶ ${item.at_seconds}s`) : ""))))),
    review.comment ? el("p", { class: "comment" }, review.comment) : "",
    el("h4", {}, t("review.versions")), versionsList(chain), revise);
}

async function editor(side, call, player, forms, formId, draft, chain = []) {
  const form = forms.find((f) => f.id === formId) || forms[0];
  let suggested = null;
  if (!draft) {
    suggested = await get("/qa/reviews/prefill", { call_id: call.id, form: form.id });
  }
  const saved = new Map((draft?.items || []).map((i) => [i.id, i]));
  const hints = new Map((suggested?.items || []).map((i) => [i.id, i]));
  const picker = el("select", { id: "form-choice", disabled: Boolean(draft) },
    forms.map((f) => el("option", { value: f.id, selected: f.id === form.id }, `${f.name} (${f.id})`)));
  picker.addEventListener("change", () => editor(side, call, player, forms, picker.value, null).catch(sayError));
  const total = el("strong", { id: "review-total" });
  const rows = form.items.map((item) => {
    const hint = hints.get(item.id);
    const prior = saved.get(item.id);
    const evidence = hint?.evidence || [];
    const points = el("input", { type: "number", min: 0, max: item.max_points, step: "0.5",
      name: item.id, value: prior?.points ?? hint?.points ?? item.max_points, "data-item": item.id });
    const noteText = prior?.note ?? evidence.map((e) => flagLabel(e)).join("; ");
    const note = el("input", { type: "text", name: `${item.id}.note`, value: noteText, placeholder: t("review.note") });
    points.addEventListener("input", () => recount());
    return { item, points, note, at: prior?.at_seconds ?? evidence[0]?.start ?? null,
      row: el("tr", {}, el("td", {}, item.title), el("td", { class: "points" }, points, ` / ${item.max_points}`),
        el("td", {}, note, evidence.map((e) => el("button", { type: "button", class: `seek ${e.kind}`,
          "data-kind": e.kind, title: t("review.evidence"), onclick: () => player.seek(e.start) }, `▶ ${flagLabel(e)}`)))) };
  });
  const recount = () => {
    const sum = rows.reduce((s, r) => s + (Number(r.points.value) || 0), 0);
    total.textContent = `${t("review.total")} ${sum} / ${form.max_total}`;
  };
  const comment = el("textarea", { id: "review-comment", rows: 2 }, draft?.comment || "");
  const excellent = el("input", { type: "checkbox", id: "review-excellent", checked: Boolean(draft?.excellent) });
  const body = () => ({
    items: rows.map((r) => ({ id: r.item.id, points: Number(r.points.value), note: r.note.value,
      at_seconds: r.at })),
    comment: comment.value, excellent: excellent.checked });
  let current = draft;
  const save = async () => {
    current = current ? await patch(`/qa/reviews/${current.id}`, body())
      : await post("/qa/reviews", { call_id: call.id, form: form.id, ...body() });
    return current;
  };
  const saveButton = el("button", { type: "button", id: "save-draft" }, t("review.save"));
  const confirmButton = el("button", { type: "button", id: "confirm-review", class: "primary" }, t("review.confirm"));
  saveButton.addEventListener("click", async () => {
    try { await save(); say(t("review.saved"), "ok"); } catch (e) { sayError(e); }
  });
  confirmButton.addEventListener("click", async () => {
    if (!window.confirm(t("review.confirmAsk"))) return;
    try {
      const review = await save();
      await post(`/qa/reviews/${review.id}/confirm`);
      say(t("review.confirmed"), "ok");
      await reviewPanel(side, call, player);
    } catch (e) { sayError(e); }
  });
  side.replaceChildren(el("h3", {}, t("review.title")),
    el("label", {}, t("review.form"), picker),
    draft ? el("p", { class: "status draft", id: "review-status" }, word("draft")) : "",
    el("table", { class: "score" }, el("tbody", {}, rows.map((r) => r.row))),
    el("label", {}, t("review.comment"), comment),
    el("label", { class: "inline" }, excellent, t("review.excellent")),
    el("div", { class: "actions" }, total, saveButton, confirmButton),
    ...(chain.length > 1 ? [el("h4", {}, t("review.versions")), versionsList(chain)] : []));
  recount();
}
