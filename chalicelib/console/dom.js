// DOM building with text only: every value from the API goes in through textContent or an attribute,
// never parsed as HTML, so a VM name or an error text cannot become markup.
const SVG_NS = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function replace(node, ...children) {
  node.replaceChildren();
  return fill(node, {}, children);
}

export function $(id) {
  return document.getElementById(id);
}

// CloudStack dates (2026-11-27T11:07:57+0000) and our event times (…57.123Z) as a local, readable time.
export function parseDate(text) {
  if (!text) return null;
  const iso = String(text).replace(/([+-]\d\d)(\d\d)$/, "$1:$2");
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? null : moment;
}

export function when(text) {
  const moment = parseDate(text);
  return moment ? el("time", { datetime: moment.toISOString(), title: String(text) }, moment.toLocaleString())
                : String(text ?? "");
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

// Polling with backoff that sleeps while the tab is hidden (visibilitychange) and wakes at once when shown.
export class Poller {
  constructor(tick, { first = 1000, max = 15000 } = {}) {
    this.tick = tick;
    this.first = first;
    this.max = max;
    this.delay = first;
    this.timer = null;
    this.active = false;
    this.onVisible = () => {
      if (document.hidden) this.clear();
      else if (this.active) this.run();
    };
    document.addEventListener("visibilitychange", this.onVisible);
  }

  // Ask for another tick later (the delay doubles each time), unless stopped or hidden.
  again() {
    this.active = true;
    this.clear();
    if (document.hidden) return;
    this.timer = setTimeout(() => this.run(), this.delay);
    this.delay = Math.min(this.delay * 2, this.max);
  }

  async run() {
    this.clear();
    if (!this.active || document.hidden) return;
    this.active = false;
    await this.tick();
  }

  reset() {
    this.delay = this.first;
  }

  stop() {
    this.active = false;
    this.clear();
    this.delay = this.first;
  }

  clear() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose() {
    this.stop();
    document.removeEventListener("visibilitychange", this.onVisible);
  }
}
