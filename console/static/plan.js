// The month's QA plan (R18-R21): per agent the quota, live and post inspections done against
// due, the rule's explanation, and the items with their reasons; a click opens the call.
import { ApiError, get, post } from "./api.js";
import { t, word } from "./i18n.js";
import { el, table } from "./view.js";

function thisMonth() {
  // The company's month is what the API means; the browser's date is close enough for a default.
  return new Date().toISOString().slice(0, 7);
}

export async function planPage(main, arg) {
  const month = /^\d{4}-\d{2}$/.test(arg) ? arg : thisMonth();
  const picker = el("input", { type: "month", id: "plan-month", value: month });
  const show = el("form", { class: "filters" }, el("label", {}, t("plan.month"), picker),
    el("button", { type: "submit" }, t("plan.show")));
  show.addEventListener("submit", (e) => { e.preventDefault(); location.hash = `#/plan/${picker.value}`; });
  main.replaceChildren(el("h2", {}, t("plan.title")), show);
  let plan;
  try {
    plan = await get(`/qa/plans/${month}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    const build = el("button", { type: "button", id: "build-plan", class: "primary" }, t("plan.build"));
    build.addEventListener("click", async () => { await post("/qa/plans", { month }); planPage(main, month); });
    main.append(el("p", {}, t("plan.missing", { month })), build);
    return;
  }
  const done = (agent, mode) => plan.items.filter((i) => i.agent === agent && i.mode === mode && i.status === "confirmed").length;
  main.append(table(
    [t("plan.agent"), t("plan.quota"), t("plan.live"), t("plan.post"), t("plan.explanation")],
    plan.agents.map((a) => [a.agent, String(a.quota), `${a.live_done} / ${a.live}`,
      `${done(a.agent, "post")} / ${a.post}`, el("small", {}, a.explanation || "")])));
  main.append(el("h3", {}, t("plan.items")), table(
    [t("plan.agent"), t("plan.call"), t("plan.mode"), t("plan.reasons"), t("plan.status")],
    plan.items.map((i) => [i.agent, el("a", { href: `#/calls/${i.call_id}`, class: "call-link" }, `#${i.call_id}`),
      word(i.mode), i.reasons.map(word).join(", "), word(i.status)])));
}
