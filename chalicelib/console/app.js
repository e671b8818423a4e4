// The console's shell: sign-in, the views behind #/jobs, #/jobs/<id>, #/vms and #/capacity, errors shown as text.
import * as api from "./api.js";
import { $ } from "./dom.js";
import * as jobs from "./jobs.js";
import * as timeline from "./timeline.js";
import * as vms from "./vms.js";
import * as capacity from "./capacity.js";

const VIEWS = ["signin", "jobs", "job", "vms", "capacity"];
const state = { admin: false, current: null };

export function showError(error) {
  const text = error instanceof api.ApiError ? `Error ${error.code}: ${error.message}` : String(error?.message ?? error);
  $("error").textContent = text;
  if (error instanceof api.ApiError && error.status === 401 && api.apikey()) signOut("The API refused the key pair or the signature.");
}

export function notice(text) {
  $("notice").textContent = text;
}

function show(view) {
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view || (view === "job" && link.dataset.view === "jobs")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route() {
  $("error").textContent = "";
  if (state.current) state.current.leave();
  state.current = null;
  if (!api.apikey()) {
    show("signin");
    return;
  }
  const [, view = "jobs", id] = location.hash.match(/^#\/([a-z]+)(?:\/([0-9]+))?/) ?? [];
  const module = { jobs: id ? timeline : jobs, vms, capacity: state.admin ? capacity : null }[view] ?? jobs;
  show(module === timeline ? "job" : module === jobs ? "jobs" : view);
  state.current = module;
  try {
    await module.enter({ id, admin: state.admin, showError, notice });
  } catch (error) {
    showError(error);
  }
}

async function signIn(event) {
  event.preventDefault();
  const apikey = $("signin-apikey").value.trim();
  const secret = $("signin-secret");
  try {
    await api.signIn(apikey, secret.value.trim(), $("signin-remember").checked);
    secret.value = "";
    await whoAmI();
  } catch (error) {
    api.signOut();
    showError(error);
    return;
  }
  notice("");
  if (!location.hash || location.hash === "#/signin") location.hash = "#/jobs";
  else route();
}

// listHosts is root-admin only: 200 means admin views, 432 a user or domain admin, 401 a wrong key pair.
async function whoAmI() {
  try {
    await api.call("listHosts", { pagesize: 1, page: 1 });
    state.admin = true;
  } catch (error) {
    if (!(error instanceof api.ApiError) || error.code !== 432) throw error;
    state.admin = false;
  }
  $("nav").hidden = false;
  $("who").hidden = false;
  $("nav-capacity").hidden = !state.admin;
  for (const node of document.querySelectorAll(".admin-only")) node.hidden = !state.admin;
  $("who-key").textContent = `Key ${api.apikey().slice(0, 8)}…${state.admin ? " (root admin)" : ""}`;
}

function signOut(reason = "") {
  api.signOut();
  state.admin = false;
  $("nav").hidden = true;
  $("who").hidden = true;
  notice(reason ? `Signed out. ${reason}` : "Signed out.");
  route();
}

async function start() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut());
  window.addEventListener("hashchange", route);
  if (await api.resume()) {
    try {
      await whoAmI();
    } catch (error) {
      api.signOut();
      showError(error);
    }
  }
  route();
}

start();
