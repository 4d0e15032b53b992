// The result list: query, sort, cursor paging with a stack for "previous", facets, filter chips, explain, export.

import { $, h, fill, trustedHtml } from "./dom.js";
import { get, query } from "./api.js";
import { t, label } from "./i18n.js";

export const FILTERS = ["agency", "case", "status", "type", "topic", "language", "entity", "tag"];
export const MULTI = new Set(["entity"]);  // several entity filters at once, each its own chip
const MAX_ENTITIES = 10;
const FACET_FILTER = {
  agency: "agency", case: "case", type: "type", status: "status", language: "language", topic: "topic",
  tag: "tag", tags: "tag", person: "entity:PERSON", org: "entity:ORG", location: "entity:LOCATION",
};

export const state = { q: "", sort: "relevance", limit: 20, filters: {}, cursors: [""], page: 0, facets: {}, last: null };
let hooks = { onError: () => {}, openDoc: () => {}, changed: () => {} };
let ticket = 0;  // only the latest request's answer is shown

export function init(given) {
  hooks = { ...hooks, ...given };
  $("prev").addEventListener("click", () => turn(-1));
  $("next").addEventListener("click", () => turn(1));
  $("explain").addEventListener("change", renderExplain);
}

export function filterParams(filters = state.filters) {
  const out = {};
  for (const key of FILTERS) {
    const value = filters[key];
    if (MULTI.has(key)) {
      const values = (Array.isArray(value) ? value : [value]).filter(Boolean);
      if (values.length) out[key] = [...new Set(values)];
    } else if (value) out[key] = value;
  }
  return out;
}

// The values of a filter as a list (one for most filters; entity filters may be several).
const valuesOf = (key, filters = state.filters) => {
  const value = filterParams(filters)[key];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};

export function clearResults() {
  state.last = null;
  state.facets = {};
  for (const id of ["hits", "facets", "summary", "exports", "page-no"]) fill($(id));
  $("pager").hidden = true;
  $("explain-out").hidden = true;
}

// Hits first (no facets, a bounded count: the fast part), then facets and the exact total in a request of their own.
function request(page) {
  const params = new URLSearchParams(query({ q: state.q, sort: state.sort, limit: state.limit, ...filterParams(),
                                             facets: "false", exact_total: "false" }));
  params.set("cursor", state.cursors[page]);
  return get("/api/search?" + params);
}

function requestFacets() {
  return get("/api/facets?" + query({ q: state.q, ...filterParams() }));
}

// An expired result set (410: its point in time is gone) is opened again and walked to the same page.
async function replay(target) {
  state.cursors = [""];
  let data = null;
  for (let page = 0; page <= target; page += 1) {
    data = await request(page);
    if (!data.next_cursor) return { data, page };
    state.cursors.push(data.next_cursor);
  }
  return { data, page: target };
}

export async function run({ keepPage = false } = {}) {
  if (!keepPage) {
    state.cursors = [""];
    state.page = 0;
  }
  renderChips();
  hooks.changed();
  $("results").setAttribute("aria-busy", "true");
  const mine = ++ticket;
  try {
    let data;
    const counting = state.page === 0 || !Object.keys(state.facets).length ? requestFacets() : null;
    if (counting) {
      state.counted = undefined;
      counting.catch(() => {});  // its failure is reported where it is awaited, not as an unhandled rejection
    }
    try {
      data = await request(state.page);
    } catch (exc) {
      if (exc.status !== 410 || state.page === 0) throw exc;
      const replayed = await replay(state.page);
      data = replayed.data;
      state.page = replayed.page;
    }
    if (mine !== ticket) return;
    state.last = data;
    state.cursors.length = state.page + 1;
    if (data.next_cursor) state.cursors.push(data.next_cursor);
    render();
    if (counting) {
      const counted = await counting;
      if (mine !== ticket) return;
      state.facets = counted.facets || {};
      state.counted = counted.total;
    }
    if (state.counted !== undefined) Object.assign(state.last, { total: state.counted, total_exact: true });
    render();
  } catch (exc) {
    if (mine !== ticket) return;
    clearResults();
    hooks.onError(exc);
  } finally {
    if (mine === ticket) $("results").removeAttribute("aria-busy");
  }
}

function turn(step) {
  const target = state.page + step;
  if (target < 0 || target >= state.cursors.length) return;
  state.page = target;
  run({ keepPage: true });
}

export function setFilter(key, value) {
  if (value) state.filters[key] = MULTI.has(key) ? [value] : value;
  else delete state.filters[key];
  run();
}

// An entity filter joins the others (a facet click); removing one leaves the rest.
export function addFilter(key, value) {
  if (!MULTI.has(key)) return setFilter(key, value);
  const values = valuesOf(key);
  if (!values.includes(value) && values.length < MAX_ENTITIES) state.filters[key] = [...values, value];
  run();
}

export function removeFilter(key, value) {
  if (!MULTI.has(key) || value === undefined) return setFilter(key, null);
  const values = valuesOf(key).filter((v) => v !== value);
  if (values.length) state.filters[key] = values;
  else delete state.filters[key];
  run();
}

function render() {
  const data = state.last;
  const pages = Math.max(1, Math.ceil(data.total / state.limit));
  fill($("summary"), t("results.total", { n: (data.total_exact === false ? "≥ " : "") + data.total.toLocaleString() }));
  renderExports();
  fill($("hits"), data.hits.length ? data.hits.map(renderHit) : h("li", { class: "empty", text: t("results.none") }));
  fill($("page-no"), t("page.of", { n: state.page + 1, m: pages })).dataset.page = String(state.page + 1);
  $("pager").hidden = data.total <= state.limit && state.page === 0;
  $("prev").disabled = state.page === 0;
  $("next").disabled = state.page + 1 >= state.cursors.length;
  renderFacets();
  renderExplain();
}

function renderHit(hit) {
  const occurrences = hit.occurrences || [];
  const list = h("ul", { class: "occurrences", hidden: true },
    occurrences.map((o) => h("li", {}, `${o.agency} / ${o.case_id} — ${o.path}`)));
  const badges = [h("span", { class: `status status-${hit.status === "ok" ? "ok" : "bad"}`, text: label("status", hit.status) })];
  if (occurrences.length > 1) {
    badges.push(h("button", {
      type: "button", class: "linkish occ-toggle", "aria-expanded": "false",
      onclick: (ev) => {
        list.hidden = !list.hidden;
        ev.currentTarget.setAttribute("aria-expanded", String(!list.hidden));
      },
    }, t("hit.occurrences", { n: occurrences.length })));
  }
  const similar = hit.similar_count ?? (Array.isArray(hit.similar) ? hit.similar.length : hit.similar);
  if (typeof similar === "number" && similar > 0) {
    badges.push(h("button", { type: "button", class: "linkish", onclick: () => hooks.openDoc(hit.doc_id, "similar") },
      t("hit.similar", { n: similar })));
  }
  const meta = [hit.path, `${hit.agency} / ${hit.case_id}`, hit.content_type, hit.language, (hit.topics || []).join(", ")]
    .filter(Boolean).join(" · ");
  return h("li", { class: "hit", dataset: { id: hit.doc_id } },
    h("div", { class: "hit-head" },
      h("a", { href: `#doc=${encodeURIComponent(hit.doc_id)}`, class: "hit-title",
               onclick: (ev) => { ev.preventDefault(); hooks.openDoc(hit.doc_id); } }, hit.title || hit.path),
      badges),
    h("div", { class: "meta" }, meta, hit.reason ? h("span", { class: "reason" }, " · " + hit.reason) : null),
    (hit.snippets || []).map((s) => trustedHtml(h("div", { class: "snippet" }), s)),
    list);
}

function renderFacets() {
  const blocks = [];
  for (const [name, buckets] of Object.entries(state.facets)) {
    if (!buckets || !buckets.length) continue;
    const target = FACET_FILTER[name];
    const rows = buckets.map(([value, count]) => {
      const text = `${name === "status" ? label("status", value) : value} (${count.toLocaleString()})`;
      if (!target) return h("li", { class: "facet-static" }, text);
      const [key, entityLabel] = target.split(":");
      const wanted = entityLabel ? `${entityLabel}:${value}` : value;
      const active = valuesOf(key).includes(wanted);
      const toggle = MULTI.has(key) ? () => (active ? removeFilter(key, wanted) : addFilter(key, wanted))
        : () => setFilter(key, active ? null : wanted);
      return h("li", {}, h("button", {
        type: "button", class: active ? "facet-value active" : "facet-value", "aria-pressed": String(active),
        dataset: { facet: name, value }, onclick: toggle,
      }, text));
    });
    blocks.push(h("section", { class: "facet", dataset: { facet: name } },
      h("h3", {}, label("facet", name)), h("ul", { class: "plain" }, rows)));
  }
  fill($("facets"), blocks);
}

export function renderChips() {
  const active = Object.keys(filterParams()).flatMap((key) => valuesOf(key).map((value) => [key, value]));
  const chips = active.map(([key, value]) => h("span", { class: "chip", dataset: { filter: key, value } },
    h("span", {}, `${label("filter", key)}: ${value}`),
    h("button", { type: "button", class: "chip-x", "aria-label": t("chip.remove", { f: `${key}: ${value}` }),
                  title: t("chip.remove", { f: `${key}: ${value}` }), onclick: () => removeFilter(key, value) }, "×")));
  if (active.length > 1) {
    chips.push(h("button", { type: "button", class: "linkish", onclick: () => { state.filters = {}; run(); } },
      t("chip.clear")));
  }
  fill($("chips"), chips);
}

function renderExports() {
  const base = { q: state.q, ...filterParams() };
  fill($("exports"), t("export.label"), " ",
    ["csv", "jsonl"].map((format) => [h("a", {
      class: "export", href: "/api/export?" + query({ ...base, format }), download: `evidex-export.${format}`,
      dataset: { format },
    }, format.toUpperCase()), " "]));
}

function renderExplain() {
  const out = $("explain-out");
  const shown = $("explain").checked && state.last;
  out.hidden = !shown;
  if (shown) out.textContent = JSON.stringify(state.last.explain || {}, null, 2);
}
