// The console's shell: sign in, the header, and a hash router (#/calls, #/calls/12, #/plan/2026-11,
// #/report/2026-W48, #/tickets, #/tickets/3). Pages are plain functions that fill <main>.
import { ApiError, clearToken, get, setToken, token } from "./api.js";
import { t, toggleLang, translateStatic, lang } from "./i18n.js";
import { el, say, sayError } from "./view.js";
import { callsPage } from "./calls.js";
import { callPage } from "./call.js";
import { planPage } from "./plan.js";
import { reportPage } from "./report.js";
import { ticketPage, ticketsPage } from "./tickets.js";

const main = document.getElementById("main");
let current = null; // the page's cleanup (the player's key bindings)

function signInPage() {
  const input = el("input", { type: "password", id: "token", autocomplete: "off", required: true,
    "aria-label": t("signin.token") });
  const form = el("form", { id: "signin", class: "card narrow" },
    el("h2", {}, t("signin.title")),
    el("label", {}, t("signin.token"), input),
    el("button", { type: "submit" }, t("signin.go")),
    el("p", { class: "hint" }, t("signin.hint")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (!value) { say(t("signin.empty")); return; }
    try {
      // Any route every role may read tells whether the token is good.
      await get("/calls", { limit: 1 }, { with_token: value });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) say(t("signin.bad"));
      else sayError(error);
      return;
    }
    setToken(value);
    say("");
    // Where the user was going (a bookmarked call), else the calls; one render either way.
    if (!location.hash || location.hash === "#/") location.hash = "#/calls";
    else route();
  });
  main.replaceChildren(form);
  input.focus();
}

async function route() {
  if (current) { current(); current = null; }
  const signedIn = Boolean(token());
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("signout").hidden = !signedIn;
  if (!signedIn) { signInPage(); return; }
  const [, page, arg] = (location.hash.replace(/^#\/?/, "").split("?")[0].match(/^([a-z]*)\/?(.*)$/) || []);
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.getAttribute("href") === `#/${page || "calls"}`);
  }
  // Each page fills a fresh view: a page still loading when the user moves on fills a view no
  // longer in the document, instead of adding to the next page.
  const view = el("div", { class: "view" });
  main.replaceChildren(view);
  try {
    if (page === "calls" && arg) {
      const cleanup = await callPage(view, Number(arg));
      if (view.isConnected) current = cleanup; else cleanup();
    } else if (page === "plan") await planPage(view, arg);
    else if (page === "report") await reportPage(view, arg);
    else if (page === "tickets" && arg) await ticketPage(view, Number(arg));
    else if (page === "tickets") await ticketsPage(view, params);
    else await callsPage(view, params);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // Revoked or expired while signed in: back to the sign-in page, saying why.
      clearToken();
      signInPage();
      say(t("signin.bad"));
      return;
    }
    sayError(error);
  }
}

document.getElementById("lang").addEventListener("click", () => { toggleLang(); translateStatic(); route(); });
document.getElementById("signout").addEventListener("click", () => { clearToken(); say(""); location.hash = "#/calls"; route(); });
window.addEventListener("hashchange", () => { say(""); route(); });
document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
translateStatic();
route();
