// A call's player: two waveforms (caller above, agent below) drawn from the server's peaks, the
// QA flags as spans on both, a play head, and the flag list. Audio plays through an <audio>
// element whose source is a short-lived signed link (POST /calls/{id}/recording/link): the
// element fetches with HTTP Range itself, so a 30-minute call starts at once, and the token
// stays in the Authorization header of the console's own requests.
import { ApiError, get, post } from "./api.js";
import { t } from "./i18n.js";
import { el, clock } from "./view.js";

const COLORS = { dead_air: "rgba(230, 150, 0, 0.35)", overtalk: "rgba(220, 40, 40, 0.35)" };
const WAVE = { caller: "#2f6db5", agent: "#2e8b57", mixed: "#555" };

export function flagsOf(call) {
  const flags = call.qa_flags || {};
  const out = [];
  for (const span of flags.dead_air || []) out.push({ kind: "dead_air", ...span });
  for (const span of flags.overtalk || []) out.push({ kind: "overtalk", ...span });
  return out.sort((a, b) => a.start - b.start);
}

export function flagLabel(flag) {
  const by = flag.by ? ` · ${t("flag.by", { who: t(`word.${flag.by}`) })}` : "";
  return `${t(`flag.${flag.kind}`)} ${clock(flag.start)}–${clock(flag.end)} (${(flag.end - flag.start).toFixed(1)} s)${by}`;
}

export class Player {
  constructor(call) {
    this.call = call;
    this.flags = flagsOf(call);
    this.duration = call.recording?.duration_seconds || 0;
    this.peaks = null;
    this.audio = el("audio", { id: "player", preload: "metadata" });
    this.canvas = el("canvas", { class: "wave", "aria-label": "waveform" });
    this.time = el("span", { class: "time" }, "00:00.0");
    this.playButton = el("button", { type: "button", id: "play" }, t("call.play"));
    this.note = el("p", { class: "note" });
    this.list = el("ol", { class: "flags", id: "flag-list" });
    this.root = el("section", { class: "player" },
      el("div", { class: "lanes" }, el("span", {}, t("call.caller")), el("span", {}, t("call.agent"))),
      this.canvas,
      el("div", { class: "controls" }, this.playButton,
        el("button", { type: "button", id: "prev-flag" }, t("call.prevflag")),
        el("button", { type: "button", id: "next-flag" }, t("call.nextflag")), this.time),
      el("p", { class: "keys" }, t("call.keys")), this.note, this.audio,
      el("h3", {}, t("call.flags")), this.list);
    this.renewals = 0;
    this.bind();
    this.renderList();
  }

  async load() {
    if (!this.call.recording) { this.note.textContent = t("call.norecording"); return; }
    if (!this.call.qa_flags) this.note.textContent = t("call.notanalysed");
    try {
      const width = Math.max(200, Math.round(this.canvas.clientWidth || 800));
      const [peaks] = await Promise.all([
        get(`/calls/${this.call.id}/recording/peaks`, { points: Math.min(4000, width * 2) }),
        this.link()]);
      this.peaks = peaks;
      this.duration = peaks.duration_seconds || this.duration;
      this.draw();
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) this.note.textContent = t("call.nolisten");
      else this.note.textContent = e.message;
    }
  }

  // A fresh signed link as the audio's source; after an error (the link expired, the service
  // restarted) once more, from where it was.
  async link(resumeAt = 0, play = false) {
    const { url } = await post(`/calls/${this.call.id}/recording/link`);
    this.audio.src = url;
    if (resumeAt) this.audio.currentTime = resumeAt;
    if (play) await this.audio.play().catch(() => {});
  }

  bind() {
    this.playButton.addEventListener("click", () => this.toggle());
    this.root.querySelector("#prev-flag").addEventListener("click", () => this.jumpFlag(-1));
    this.root.querySelector("#next-flag").addEventListener("click", () => this.jumpFlag(1));
    this.canvas.addEventListener("click", (e) => {
      const rect = this.canvas.getBoundingClientRect();
      const at = ((e.clientX - rect.left) / rect.width) * this.duration;
      const flag = this.flags.find((f) => f.start <= at && at <= f.end);
      this.seek(flag ? flag.start : at);
    });
    for (const ev of ["timeupdate", "seeked", "loadedmetadata"]) this.audio.addEventListener(ev, () => this.tick());
    this.audio.addEventListener("play", () => { this.playButton.textContent = t("call.pause"); this.animate(); });
    this.audio.addEventListener("pause", () => { this.playButton.textContent = t("call.play"); });
    this.audio.addEventListener("error", () => {
      if (this.renewals++ < 3) this.link(this.audio.currentTime, !this.audio.paused).catch(() => {});
    });
    this.keys = (e) => {
      if (e.target.closest?.("input, textarea, select")) return; // typing a note, not playing
      if (e.key === " ") { e.preventDefault(); this.toggle(); }
      else if (e.key === "ArrowLeft") { e.preventDefault(); this.seek(this.audio.currentTime - 5); }
      else if (e.key === "ArrowRight") { e.preventDefault(); this.seek(this.audio.currentTime + 5); }
      else if (e.key === "[") this.jumpFlag(-1);
      else if (e.key === "]") this.jumpFlag(1);
    };
    document.addEventListener("keydown", this.keys);
    // A focused button would also take the space bar as a click (on keyup): once is enough.
    this.keyup = (e) => { if (e.key === " " && e.target.closest?.("button")) e.preventDefault(); };
    document.addEventListener("keyup", this.keyup);
    this.resize = () => this.draw();
    window.addEventListener("resize", this.resize);
  }

  destroy() {
    document.removeEventListener("keydown", this.keys);
    document.removeEventListener("keyup", this.keyup);
    window.removeEventListener("resize", this.resize);
    this.audio.pause();
    this.audio.removeAttribute("src");
  }

  toggle() {
    if (this.audio.paused) this.audio.play().catch((e) => { this.note.textContent = e.message; });
    else this.audio.pause();
  }

  seek(at) {
    const end = this.duration || this.audio.duration || 0;
    this.audio.currentTime = Math.max(0, Math.min(at, end));
    this.tick();
  }

  jumpFlag(direction) {
    const now = this.audio.currentTime;
    const flag = direction > 0 ? this.flags.find((f) => f.start > now + 0.25)
      : [...this.flags].reverse().find((f) => f.start < now - 0.25);
    if (flag) this.seek(flag.start);
  }

  renderList() {
    this.list.replaceChildren();
    if (!this.flags.length) { this.list.append(el("li", {}, t("call.noflags"))); return; }
    for (const flag of this.flags) {
      const button = el("button", { type: "button", class: `flag ${flag.kind}`, "data-kind": flag.kind,
        "data-start": String(flag.start) }, flagLabel(flag));
      button.addEventListener("click", () => this.seek(flag.start));
      this.list.append(el("li", {}, button));
    }
  }

  animate() {
    const step = () => { this.tick(); if (!this.audio.paused) requestAnimationFrame(step); };
    requestAnimationFrame(step);
  }

  tick() {
    this.time.textContent = `${clock(this.audio.currentTime)} / ${clock(this.duration)}`;
    this.draw();
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, width, height);
    const names = this.peaks ? Object.keys(this.peaks.channels) : ["caller", "agent"];
    const lane = height / names.length;
    const x = (s) => (this.duration ? (s / this.duration) * width : 0);
    for (const flag of this.flags) {
      g.fillStyle = COLORS[flag.kind] || "rgba(0,0,0,0.2)";
      g.fillRect(x(flag.start), 0, Math.max(2, x(flag.end) - x(flag.start)), height);
    }
    names.forEach((name, i) => {
      const mid = lane * i + lane / 2;
      g.strokeStyle = "#ccc";
      g.beginPath(); g.moveTo(0, mid); g.lineTo(width, mid); g.stroke();
      const values = this.peaks?.channels[name];
      if (!values?.length) return;
      g.fillStyle = WAVE[name] || "#555";
      const scale = this.peaks.scale || 100;
      for (let px = 0; px < width; px++) {
        const from = Math.floor((px / width) * values.length);
        const to = Math.max(from + 1, Math.floor(((px + 1) / width) * values.length));
        let peak = 0;
        for (let k = from; k < to && k < values.length; k++) peak = Math.max(peak, values[k]);
        const h = Math.max(1, (peak / scale) * (lane / 2 - 2));
        g.fillRect(px, mid - h, 1, 2 * h);
      }
    });
    const head = x(this.audio.currentTime);
    g.fillStyle = "#d00";
    g.fillRect(Math.round(head) - 1, 0, 2 * ratio, height);
  }
}
