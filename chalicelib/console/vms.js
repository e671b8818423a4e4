// Virtual machines (listVirtualMachines): state, offering, host, IPs; start, stop, reboot, destroy and deploy
// submit the real async commands, and each submitted job is followed here until it ends.
import * as api from "./api.js";
import { $, Poller, el, replace } from "./dom.js";
import { statusBadge } from "./jobs.js";

const ACTIONS = [
  ["Start", "startVirtualMachine", (s) => s === "Stopped"],
  ["Stop", "stopVirtualMachine", (s) => s === "Running"],
  ["Reboot", "rebootVirtualMachine", (s) => s === "Running"],
  ["Destroy", "destroyVirtualMachine", (s) => !["Destroyed", "Expunging"].includes(s)],
];
let ctx = null;
let poller = null;
let wired = false;
const followed = new Map(); // jobid -> { label, job }

export async function enter(context) {
  ctx = context;
  if (!wired) {
    wired = true;
    $("vms-refresh").addEventListener("click", () => { poller?.reset(); refresh(); });
    $("vms-listall").addEventListener("change", () => refresh());
    $("deploy-form").addEventListener("submit", deploy);
    $("deploy").addEventListener("toggle", () => { if ($("deploy").open) loadChoices(); });
  }
  poller = new Poller(() => refresh());
  renderJobs();
  await refresh();
}

export function leave() {
  poller?.dispose();
  poller = null;
}

async function refresh() {
  const current = poller;
  try {
    const answer = await api.call("listVirtualMachines", { listall: ctx.admin && $("vms-listall").checked ? "true" : "" });
    await followJobs();
    if (current !== poller) return;
    render(answer.virtualmachine ?? []);
    const busy = (answer.virtualmachine ?? []).some((vm) => vm.jobstatus === 0 || /ing$/.test(vm.state));
    if (busy || [...followed.values()].some((f) => f.job?.jobstatus === 0)) poller.again();
  } catch (error) {
    ctx.showError(error);
  }
}

function render(vms) {
  replace($("vms-table").tBodies[0], vms.length ? vms.map(row)
    : el("tr", {}, el("td", { colspan: 7 }, "No virtual machines.")));
}

function row(vm) {
  const name = vm.displayname || vm.name;
  const ips = (vm.nic ?? []).map((nic) => nic.ipaddress).filter(Boolean).join(", ");
  const buttons = ACTIONS.filter(([, , allowed]) => allowed(vm.state) && vm.jobstatus !== 0).map(([label, command]) =>
    el("button", { type: "button", "aria-label": `${label} ${name}`, onclick: () => act(label, command, vm) }, label));
  const pending = vm.jobstatus === 0 ? el("a", { href: `#/jobs/${vm.jobid}` }, `job ${vm.jobid} at work`) : null;
  return el("tr", { "data-vmid": vm.id },
    el("th", { scope: "row" }, name, vm.name !== name ? el("div", { class: "muted" }, vm.name) : null),
    el("td", {}, vm.state), el("td", {}, vm.serviceofferingname ?? ""), el("td", {}, vm.hostname ?? "—"),
    el("td", {}, ips || "—"), el("td", {}, vm.account ?? ""),
    el("td", {}, el("div", { class: "actions" }, buttons, pending)));
}

async function act(label, command, vm) {
  const name = vm.displayname || vm.name;
  if (command === "destroyVirtualMachine" && !window.confirm(`Destroy ${name}?`)) return;
  await submit(`${label} ${name}`, command, { id: vm.id });
}

async function submit(label, command, params) {
  try {
    const answer = await api.call(command, params);
    followed.set(String(answer.jobid), { label, job: { jobid: answer.jobid, jobstatus: 0 } });
    ctx.notice(`${label}: job ${answer.jobid} submitted.`);
    renderJobs();
    poller?.reset();
    await refresh();
  } catch (error) {
    ctx.showError(error);
  }
}

async function followJobs() {
  for (const [jobid, entry] of followed) {
    if (entry.job.jobstatus !== 0) continue;
    entry.job = await api.call("queryAsyncJobResult", { jobid });
  }
  renderJobs();
}

function renderJobs() {
  const items = [...followed.entries()].reverse().slice(0, 5).map(([jobid, { label, job }]) => {
    const error = job.jobstatus === 2 ? ` — ${job.jobresult?.errortext ?? ""}` : "";
    return el("li", { "data-jobid": jobid }, `${label}: `,
      el("a", { href: `#/jobs/${encodeURIComponent(jobid)}` }, `job ${jobid}`), " ", statusBadge(job), error);
  });
  replace($("vm-jobs"), items);
}

async function loadChoices() {
  if ($("deploy-zone").options.length) return;
  try {
    const [zones, offerings, templates] = await Promise.all([api.call("listZones"), api.call("listServiceOfferings"),
      api.call("listTemplates", { templatefilter: "executable" })]);
    fillSelect("deploy-zone", zones.zone);
    fillSelect("deploy-offering", offerings.serviceoffering);
    fillSelect("deploy-template", templates.template);
  } catch (error) {
    ctx.showError(error);
  }
}

function fillSelect(id, items) {
  replace($(id), (items ?? []).map((item) => el("option", { value: item.id }, item.name)));
}

async function deploy(event) {
  event.preventDefault();
  const params = { zoneid: $("deploy-zone").value, serviceofferingid: $("deploy-offering").value,
    templateid: $("deploy-template").value, name: $("deploy-name").value.trim() };
  await submit(`Deploy ${params.name || "a virtual machine"}`, "deployVirtualMachine", params);
}
