// Capacity (root admin): each host's CPU and memory allocated and free (listHosts), and jobs per minute
// succeeded/failed over the last hour (listAsyncJobs), drawn here as inline SVG.
import * as api from "./api.js";
import { $, el, replace, svg } from "./dom.js";

const MINUTES = 60;
const MAX_PAGES = 10;
const PAGE_SIZE = 500;
let ctx = null;
let wired = false;

export async function enter(context) {
  ctx = context;
  if (!wired) {
    wired = true;
    $("capacity-refresh").addEventListener("click", () => refresh().catch(ctx.showError));
  }
  await refresh();
}

export function leave() {}

async function refresh() {
  const hosts = await api.call("listHosts");
  replace($("hosts"), (hosts.host ?? []).map(hostCard));
  drawRate(await recentJobs(new Date()));
}

function hostCard(host) {
  const cpuTotal = host.cpunumber * host.cpuspeed;
  const cpuUsed = Number(host.cpuallocatedvalue ?? 0);
  const mb = 1024 * 1024;
  const memTotal = Math.round(host.memorytotal / mb);
  const memUsed = Math.round(host.memoryallocated / mb);
  return el("article", { class: "host", "data-hostid": host.id },
    el("h4", {}, host.name, " ", el("span", { class: "muted" }, `${host.zonename ?? ""} · ${host.hypervisor ?? ""}`)),
    bar(`cpu-${host.id}`, "CPU", cpuUsed, cpuTotal, "MHz"),
    bar(`mem-${host.id}`, "Memory", memUsed, memTotal, "MB"));
}

function bar(id, label, used, total, unit) {
  const percent = total ? Math.round((100 * used) / total) : 0;
  return el("div", { class: "bar" },
    el("label", { for: id }, `${label}: ${used} of ${total} ${unit} allocated (${percent}%), ${total - used} ${unit} free`),
    el("meter", { id, min: 0, max: total, value: used, low: total * 0.7, high: total * 0.9, optimum: 0 }));
}

function utc(moment) {
  return moment.toISOString().replace(/\.\d{3}Z$/, "+0000");
}

// Jobs submitted in the last hour (every account's, listall=true), counted by the minute they finished.
async function recentJobs(now) {
  const since = new Date(now.getTime() - MINUTES * 60000);
  const jobs = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await api.call("listAsyncJobs", { listall: "true", startdate: utc(since), page, pagesize: PAGE_SIZE });
    jobs.push(...(answer.asyncjobs ?? []));
    if ((answer.asyncjobs ?? []).length < PAGE_SIZE) break;
  }
  const buckets = Array.from({ length: MINUTES }, () => ({ ok: 0, failed: 0 }));
  for (const job of jobs) {
    if (!job.completed || job.jobstatus === 0) continue;
    const done = new Date(String(job.completed).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
    const index = MINUTES - 1 - Math.floor((now - done) / 60000);
    if (index < 0 || index >= MINUTES) continue;
    if (job.jobstatus === 1) buckets[index].ok += 1;
    else buckets[index].failed += 1;
  }
  return buckets;
}

function drawRate(buckets) {
  const ok = buckets.reduce((n, b) => n + b.ok, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  const busiest = Math.max(0, ...buckets.map((b) => b.ok + b.failed));
  const peak = Math.max(1, busiest);
  const [w, h, pad] = [600, 160, 24];
  const step = (w - 2 * pad) / MINUTES;
  const scale = (n) => ((h - 2 * pad) * n) / peak;
  const bars = buckets.flatMap((b, i) => {
    const x = pad + i * step;
    const okH = scale(b.ok);
    const failH = scale(b.failed);
    return [
      b.ok ? svg("rect", { x, y: h - pad - okH, width: step - 1, height: okH, class: "ok" },
        svg("title", {}, `${MINUTES - i} min ago: ${b.ok} succeeded`)) : null,
      b.failed ? svg("rect", { x, y: h - pad - okH - failH, width: step - 1, height: failH, class: "failed" },
        svg("title", {}, `${MINUTES - i} min ago: ${b.failed} failed`)) : null,
    ];
  });
  const summary = `${ok} succeeded and ${failed} failed in the last hour; busiest minute: ${busiest} job${busiest === 1 ? "" : "s"}.`;
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": summary, class: "chart" },
    svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: "axis" }),
    svg("text", { x: pad, y: h - 6, class: "tick" }, "60 min ago"),
    svg("text", { x: w - pad, y: h - 6, class: "tick end" }, "now"),
    svg("text", { x: pad, y: pad - 8, class: "tick" }, `${peak} / min`),
    bars);
  replace($("rate"), chart, el("figcaption", {}, summary, " ",
    el("span", { class: "legend ok" }, "■ succeeded"), " ", el("span", { class: "legend failed" }, "■ failed")));
}
