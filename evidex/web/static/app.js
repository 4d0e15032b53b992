// The workbench: sign-in, views, the address bar as the state of the search, errors in one banner.

import { $, h, fill } from "./dom.js";
import { get, post, del, setCsrf } from "./api.js";
import { applyLanguage, currentLanguage, setLanguage, t } from "./i18n.js";
import * as search from "./search.js";
import * as docview from "./docview.js";
import * as upload from "./upload.js";
import * as terms from "./terms.js";
import * as saved from "./saved.js";

let user = null;
let view = "search";

function showBanner(message) {
  $("banner-text").textContent = message;
  $("banner").hidden = false;
}

function hideBanner() {
  $("banner").hidden = true;
  $("banner-text").textContent = "";
}

// An error clears what it made stale (unless the caller keeps the results); 401 means signed out.
function onError(exc, { keep = false } = {}) {
  if (exc.status === 401) {
    signedOut(t("error.signed_out"));
    return;
  }
  if (!keep) {
    search.clearResults();
    docview.closeDoc();
  }
  showBanner(exc.status ? t("error.status", { status: exc.status, detail: exc.message }) : t("error.network", { detail: exc.message }));
}

function signedOut(message) {
  user = null;
  setCsrf("");
  search.clearResults();
  docview.closeDoc();
  $("tabs").hidden = true;
  $("signout").hidden = true;
  fill($("who"));
  for (const el of document.querySelectorAll(".view")) el.hidden = true;
  $("signin").hidden = false;
  $("token").value = "";
  $("token").focus();
  if (message) showBanner(message);
}

function signedIn(session) {
  user = session;
  setCsrf(session.csrf);
  hideBanner();
  $("signin").hidden = true;
  $("tabs").hidden = false;
  $("signout").hidden = false;
  fill($("who"), h("span", { id: "who-name" }, session.user), " · ", h("span", { id: "who-agency" }, session.agency),
    " · ", (session.roles || []).join(", "));
  for (const button of document.querySelectorAll("#tabs [data-needs]")) {
    button.hidden = !button.dataset.needs.split(",").some((r) => (session.roles || []).includes(r));
  }
  saved.load();
  restoreFromHash();
}

function show(name) {
  view = name;
  for (const el of document.querySelectorAll(".view")) el.hidden = el.id !== `view-${name}`;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.view === name);
  if (name === "upload") upload.loadBatches();
  writeHash();
}

// The address bar holds the query, sort, page size, filters and open document, so a reload comes back here.
function writeHash() {
  if (!user) return;
  const p = new URLSearchParams();
  if (view !== "search") p.set("view", view);
  if (search.state.q) p.set("q", search.state.q);
  if (search.state.sort !== "relevance") p.set("sort", search.state.sort);
  if (search.state.limit !== 20) p.set("limit", search.state.limit);
  for (const [k, v] of Object.entries(search.filterParams())) for (const one of [v].flat()) p.append("f." + k, one);
  if (docview.openId()) p.set("doc", docview.openId());
  const next = "#" + p.toString();
  if (location.hash !== next) history.replaceState(null, "", next);
}

function restoreFromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  search.state.q = p.get("q") || "";
  search.state.sort = p.get("sort") || "relevance";
  search.state.limit = Number(p.get("limit")) || 20;
  search.state.filters = {};
  for (const key of search.FILTERS) {
    const values = p.getAll("f." + key).filter(Boolean);
    if (values.length) search.state.filters[key] = search.MULTI.has(key) ? values : values[0];
  }
  $("q").value = search.state.q;
  $("sort").value = search.state.sort;
  $("limit").value = String(search.state.limit);
  const doc = p.get("doc");
  show(p.get("view") || "search");
  if (p.has("q") || Object.keys(search.state.filters).length) search.run();
  else search.renderChips();
  if (doc) docview.openDoc(doc);
}

function queryTerms() {
  return search.state.q.replace(/\b(AND|OR|NOT)\b/g, " ").split(/[\s"()+\-~*]+/u).filter((w) => w.length > 1);
}

async function openFromAnywhere(id, tab) {
  if (view !== "search") show("search");
  await docview.openDoc(id, tab);
}

function wire() {
  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("token").value.trim();
    $("token").value = "";
    try {
      signedIn(await post("/api/session", { token }));
    } catch (exc) {
      showBanner(exc.status === 401 || exc.status === 403 ? t("signin.refused") : t("error.status", { status: exc.status, detail: exc.message }));
    }
  });
  $("signout").addEventListener("click", async () => {
    try { await del("/api/session"); } catch { /* signed out either way */ }
    history.replaceState(null, "", "#");
    signedOut(t("signout.done"));
  });
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    hideBanner();
    search.state.q = $("q").value.trim();
    search.state.sort = $("sort").value;
    search.state.limit = Number($("limit").value) || 20;
    search.run();
  });
  for (const id of ["sort", "limit"]) $(id).addEventListener("change", () => $("search-form").requestSubmit());
  $("banner-close").addEventListener("click", hideBanner);
  $("tabs").addEventListener("click", (ev) => { if (ev.target.dataset.view) show(ev.target.dataset.view); });
  $("lang").addEventListener("change", () => {
    setLanguage($("lang").value);
    if (user) { search.renderChips(); if (search.state.last) search.run({ keepPage: true }); }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && docview.openId()) docview.closeDoc();
    if (ev.key === "/" && document.activeElement === document.body) { ev.preventDefault(); $("q").focus(); }
  });
}

async function start() {
  applyLanguage();
  $("lang").value = currentLanguage();
  search.init({ onError, openDoc: openFromAnywhere, changed: writeHash });
  docview.init({ user: () => user, terms: queryTerms, onError, changed: writeHash,
                 pivot: (entity) => { docview.closeDoc(); show("search"); search.setFilter("entity", entity); },
                 pivotToken: (token) => {  // an identifier's token as the query: its keyed hash finds the documents
                   docview.closeDoc(); show("search"); search.state.q = token; $("q").value = token; search.run();
                 } });
  upload.init({ onError });
  terms.init({ onError, openDoc: openFromAnywhere, filters: () => search.filterParams() });
  saved.init({ onError, apply: (item) => {
    search.state.q = item.query || "";
    search.state.filters = { ...(item.filters || {}) };
    $("q").value = search.state.q;
    show("search");
    search.run();
  }, current: () => ({ query: search.state.q, filters: search.filterParams() }) });
  wire();
  try {
    signedIn(await get("/api/session"));
  } catch (exc) {
    signedOut(exc.status === 401 ? "" : t("error.status", { status: exc.status, detail: exc.message }));
  }
}

start();
