// The weekly QA report (R22) as the page the QA API renders (?format=html): fetched with the
// token, shown in a sandboxed frame (no scripts run in it), printable from there.
import { ApiError, get, post } from "./api.js";
import { t } from "./i18n.js";
import { el } from "./view.js";

function lastWeek() {
  // ISO week of seven days ago (a report covers a finished week).
  const d = new Date(Date.now() - 7 * 86400000);
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3);
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((d - firstThursday) / 86400000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

export async function reportPage(main, arg) {
  const week = /^\d{4}-W\d{2}$/.test(arg) ? arg : lastWeek();
  const picker = el("input", { type: "week", id: "report-week", value: week });
  const show = el("form", { class: "filters" }, el("label", {}, t("report.week"), picker),
    el("button", { type: "submit" }, t("report.show")));
  show.addEventListener("submit", (e) => { e.preventDefault(); location.hash = `#/report/${picker.value}`; });
  main.replaceChildren(el("h2", {}, t("report.title")), show);
  let html;
  try {
    html = await get(`/qa/reports/weekly/${week}`, { format: "html" }, { as: "text" });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    const draft = el("button", { type: "button", id: "draft-report", class: "primary" }, t("report.draft"));
    draft.addEventListener("click", async () => { await post("/qa/reports/weekly", { week }); reportPage(main, week); });
    main.append(el("p", {}, t("report.missing", { week })), draft);
    return;
  }
  const frame = el("iframe", { id: "report-frame", class: "report", sandbox: "allow-modals", title: t("report.title") });
  frame.srcdoc = html;
  main.append(frame);
}
