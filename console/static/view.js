// Small DOM helpers shared by the pages: no framework, so nothing to upgrade but the browser.
import { t } from "./i18n.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Seconds as mm:ss.s (h:mm:ss past an hour).
export function clock(seconds) {
  const s = Math.max(0, Number(seconds) || 0);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), rest = s % 60;
  const mmss = `${String(m).padStart(2, "0")}:${rest.toFixed(1).padStart(4, "0")}`;
  return h ? `${h}:${mmss}` : mmss;
}

// An API time ("2026-11-23T10:00:11.123+08:00") as the company's wall clock, as the API gave it:
// the browser's own time zone plays no part.
export function when(text) {
  return text ? String(text).slice(0, 19).replace("T", " ") : "";
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const text = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
  return seconds < 0 ? `-${text}` : text;
}

export function table(headers, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c))))));
}

export function say(text, kind = "error") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

export function sayError(error) {
  if (error?.status === 403) say(t("error.forbidden"));
  else if (error?.status === 0) say(t("error.network"));
  else say(error?.errorId ? `${error.message} (${error.errorId})` : String(error));
}
