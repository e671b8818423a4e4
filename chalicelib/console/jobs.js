// The jobs list (listAsyncJobs): newest first, paged as the API pages, filtered by command (the API's keyword)
// and by status (on the page shown); pending jobs refresh by themselves with backoff while the tab is visible.
import * as api from "./api.js";
import { $, Poller, duration, el, parseDate, replace, when } from "./dom.js";

const STATUS = { 0: "pending", 1: "succeeded", 2: "failed" };
let ctx = null;
let poller = null;
let page = 1;
let wired = false;

export function statusBadge(job) {
  const name = STATUS[job.jobstatus] ?? String(job.jobstatus);
  const code = job.jobstatus === 2 ? ` ${job.jobresultcode}` : "";
  return el("span", { class: `badge ${name}` }, name + code);
}

export function jobDuration(job) {
  const start = parseDate(job.created);
  const end = job.completed ? parseDate(job.completed) : job.jobstatus === 0 ? new Date() : null;
  return start && end ? duration(end - start) : "";
}

function resource(job) {
  return job.jobinstancetype ? `${job.jobinstancetype} ${job.jobinstanceid ?? ""}` : "";
}

function wire() {
  if (wired) return;
  wired = true;
  for (const id of ["jobs-command", "jobs-pagesize", "jobs-listall"]) {
    $(id).addEventListener("change", () => { page = 1; refresh(true); });
  }
  $("jobs-status").addEventListener("change", () => refresh(true));
  $("jobs-refresh").addEventListener("click", () => refresh(true));
  $("jobs-prev").addEventListener("click", () => { page = Math.max(1, page - 1); refresh(true); });
  $("jobs-next").addEventListener("click", () => { page += 1; refresh(true); });
}

export async function enter(context) {
  ctx = context;
  wire();
  poller = new Poller(() => refresh(false));
  await refresh(true);
}

export function leave() {
  poller?.dispose();
  poller = null;
}

async function refresh(byUser) {
  if (!poller) return;
  if (byUser) poller.reset();
  const pagesize = Number($("jobs-pagesize").value);
  let answer;
  try {
    answer = await api.call("listAsyncJobs", {
      page, pagesize, keyword: $("jobs-command").value.toLowerCase(),
      listall: ctx.admin && $("jobs-listall").checked ? "true" : "",
    });
  } catch (error) {
    ctx.showError(error);
    return;
  }
  if (!poller) return; // left the view while the answer was on its way
  const all = answer.asyncjobs ?? [];
  const wanted = $("jobs-status").value;
  const shown = wanted === "" ? all : all.filter((job) => String(job.jobstatus) === wanted);
  render(shown, all.length, Number(answer.count ?? 0), pagesize);
  if (all.some((job) => job.jobstatus === 0)) poller.again();
}

function render(jobs, onPage, count, pagesize) {
  const pages = Math.max(1, Math.ceil(count / pagesize));
  replace($("jobs-table").tBodies[0], jobs.length ? jobs.map(row)
    : el("tr", {}, el("td", { colspan: 6 }, "No jobs match.")));
  $("jobs-summary").textContent =
    `${count} job${count === 1 ? "" : "s"} in all; ${jobs.length} of the ${onPage} on this page shown.`;
  $("jobs-page").textContent = `Page ${page} of ${pages}`;
  $("jobs-prev").disabled = page <= 1;
  $("jobs-next").disabled = page >= pages;
}

function row(job) {
  return el("tr", { "data-jobid": job.jobid },
    el("td", {}, el("a", { href: `#/jobs/${encodeURIComponent(job.jobid)}` }, `Job ${job.jobid}`)),
    el("td", {}, statusBadge(job)),
    el("td", {}, commandOf(job)),
    el("td", {}, resource(job)),
    el("td", {}, when(job.created)),
    el("td", {}, jobDuration(job)));
}

// listAsyncJobs carries CloudStack's Java class name in `cmd`; the API command name is shown where known.
const CLASSES = {
  DeployVMCmd: "deployVirtualMachine", StartVMCmd: "startVirtualMachine", StopVMCmd: "stopVirtualMachine",
  RebootVMCmd: "rebootVirtualMachine", DestroyVMCmd: "destroyVirtualMachine",
};

export function commandOf(job) {
  const name = String(job.cmd ?? "").split(".").pop();
  return CLASSES[name] ?? name;
}
