// A job's life: its result as queryAsyncJobResult renders it, and its events as stored (listJobEvents), each
// hash recomputed here: "chain verified", or the first broken link named.
import * as api from "./api.js";
import { verifyChain } from "./chain.js";
import { $, Poller, el, replace, when } from "./dom.js";
import { commandOf, jobDuration, statusBadge } from "./jobs.js";

let poller = null;
let ctx = null;

export async function enter(context) {
  ctx = context;
  poller = new Poller(() => refresh());
  $("job-title").textContent = `Job ${context.id}`;
  replace($("job-result"));
  replace($("job-timeline"));
  $("chain-status").textContent = "Checking the hash chain…";
  $("chain-status").className = "chain";
  await refresh();
}

export function leave() {
  poller?.dispose();
  poller = null;
}

async function refresh() {
  const current = poller;
  let job, answer;
  try {
    job = await api.call("queryAsyncJobResult", { jobid: ctx.id });
    answer = await api.call("listJobEvents", { jobid: ctx.id }, { exact: true });
  } catch (error) {
    $("chain-status").textContent = "";
    ctx.showError(error);
    return;
  }
  if (current !== poller) return;
  const events = answer.event ?? [];
  renderResult(job);
  const check = await verifyChain(events, `job#${ctx.id}`);
  renderChain(check, events);
  renderTimeline(events, check);
  if (job.jobstatus === 0) poller.again();
}

function renderResult(job) {
  const rows = [["Status", statusBadge(job)], ["Command", commandOf(job)], ["Created", when(job.created)],
    ["Completed", job.completed ? when(job.completed) : "—"], ["Duration", jobDuration(job)],
    ["Resource", job.jobinstancetype ? `${job.jobinstancetype} ${job.jobinstanceid}` : "—"],
    ["Progress (jobprocstatus)", String(job.jobprocstatus)]];
  if (job.jobstatus !== 0) {
    rows.push(["Result code", String(job.jobresultcode)]);
    const result = job.jobresult ?? {};
    if (job.jobstatus === 2) rows.push(["Error", `${result.errorcode ?? job.jobresultcode}: ${result.errortext ?? ""}`]);
    rows.push([`Result (${job.jobresulttype})`,
      el("details", {}, el("summary", {}, "jobresult"), el("pre", {}, JSON.stringify(result, null, 2)))]);
  }
  replace($("job-result"), rows.map(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
}

function renderChain(check, events) {
  const node = $("chain-status");
  if (check.ok) {
    const head = String(events.at(-1).hash).slice(0, 12);
    node.textContent = `Chain verified: ${events.length} events, seq 1–${events.length}, head ${head}…`;
    node.className = "chain ok";
  } else if (check.broken) {
    node.textContent = `Chain broken at seq ${check.broken.seq} (${check.broken.type}): ${check.broken.reason}.`;
    node.className = "chain broken";
  } else {
    node.textContent = "No events to check.";
    node.className = "chain";
  }
}

function renderTimeline(events, check) {
  replace($("job-timeline"), events.map((event, index) => {
    const link = check.links[index];
    return el("li", { class: link.ok ? "event" : "event broken", "data-seq": String(event.seq) },
      el("div", { class: "event-head" },
        el("strong", {}, `${event.seq}. ${describe(event)}`), " ", when(event.at)),
      el("div", {}, "By ", actorText(event.actor)),
      el("div", { class: "hash" }, link.ok ? "✓ link verified " : "✗ broken link ",
        el("code", { title: String(event.hash) }, String(event.hash).slice(0, 16) + "…")),
      el("details", {}, el("summary", {}, "Stored data"), el("pre", {}, pretty(event.data))));
  }));
}

function describe(event) {
  const data = event.data ?? {};
  switch (event.type) {
    case "JobSubmitted": return `Submitted: ${data.command ?? ""}`;
    case "JobStarted": return `Started, attempt ${data.attempt ?? 1}`;
    case "JobProgressed": return `Progress ${data.procstatus}`;
    case "JobCompleted": return `Completed, code ${data.resultcode ?? 0}`;
    case "JobFailed": return `Failed, code ${data.code}: ${data.text ?? ""}`;
    default: return String(event.type);
  }
}

function actorText(actor) {
  const a = actor ?? {};
  if (a.worker) return `worker ${a.worker}, attempt ${a.attempt ?? "?"}${a.message ? `, message ${a.message}` : ""}`;
  const parts = Object.entries(a).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(", ") : "unknown";
}

function pretty(value) {
  return JSON.stringify(value, (key, v) => (v instanceof api.RawNumber ? v.value : v), 2);
}
