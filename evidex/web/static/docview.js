// One document: text with hits and entities marked, page images, metadata, custody, family, similar, work.

import { $, h, fill, highlighted } from "./dom.js";
import { get, post, docPath, query } from "./api.js";
import { t, label } from "./i18n.js";

const TABS = ["text", "pages", "info", "entities", "custody", "family", "similar", "notes"];
const DOWNLOAD_ROLES = ["investigator", "privacy_officer", "admin"];
const INFO_FIELDS = ["path", "name", "agency", "case_id", "exhibit", "batch_id", "content_type", "language", "method",
  "extractor", "size", "sha256", "date", "author", "page_count", "status", "reason", "shared_with", "topics"];

const view = { id: null, doc: null, tab: "text", page: 1 };
let hooks = { user: () => null, terms: () => [], onError: () => {}, pivot: () => {}, pivotToken: () => {}, changed: () => {} };

export function init(given) {
  hooks = { ...hooks, ...given };
}

export const openId = () => view.id;

export function closeDoc() {
  view.id = null;
  view.doc = null;
  fill($("doc")).hidden = true;
  document.body.classList.remove("doc-open");
  hooks.changed();
}

export async function openDoc(id, tab = "text") {
  view.id = id;
  view.tab = TABS.includes(tab) ? tab : "text";
  view.page = 1;
  await reload();
  hooks.changed();
}

async function reload() {
  const id = view.id;
  try {
    const doc = await get(docPath(id));
    if (view.id !== id) return;
    view.doc = doc;
    render();
  } catch (exc) {
    closeDoc();
    hooks.onError(exc);
  }
}

function listOf(value) {
  if (!value) return [];
  return Array.isArray(value) ? value : [value];
}

const tagName = (tag) => (typeof tag === "string" ? tag : tag.tag || tag.name || "");

function isStarred(doc) {
  if (typeof doc.starred === "boolean") return doc.starred;
  const me = hooks.user();
  if (Array.isArray(doc.stars)) return doc.stars.some((s) => (typeof s === "string" ? s : s.user) === me?.user);
  return false;
}

function render() {
  const doc = view.doc;
  const user = hooks.user() || { roles: [] };
  const mayDownload = (user.roles || []).some((r) => DOWNLOAD_ROLES.includes(r));
  const starred = isStarred(doc);
  const panel = $("doc");
  panel.hidden = false;
  document.body.classList.add("doc-open");
  const tabBody = h("div", { class: "tab-body", id: "doc-body" });
  fill(panel,
    h("header", { class: "doc-head" },
      h("h2", { id: "doc-title" }, doc.title || doc.path || view.id),
      h("button", { type: "button", class: "close", title: t("close"), "aria-label": t("close"), onclick: closeDoc }, "×")),
    h("p", { class: "meta" }, [doc.path, `${doc.agency || ""} / ${doc.case_id || ""}`, doc.exhibit, doc.content_type]
      .filter(Boolean).join(" · ")),
    h("p", {}, h("span", { class: `status status-${doc.status === "ok" ? "ok" : "bad"}` }, label("status", doc.status)),
      doc.reason ? h("span", { class: "reason" }, " — " + doc.reason) : null),
    h("div", { class: "doc-actions" },
      h("button", { type: "button", id: "star", class: starred ? "star on" : "star", "aria-pressed": String(starred),
                    onclick: () => write("/star", { starred: !starred }) }, starred ? "★ " + t("doc.starred") : "☆ " + t("doc.star")),
      mayDownload ? h("a", { id: "download", href: docPath(view.id, "/original"), download: doc.name || "" },
        t("doc.download")) : h("span", { class: "hint" }, t("doc.no_download"))),
    renderTags(doc),
    h("nav", { class: "tabs", role: "tablist" }, TABS.map((name) => h("button", {
      type: "button", role: "tab", class: name === view.tab ? "active" : "", "aria-selected": String(name === view.tab),
      dataset: { tab: name }, onclick: () => { view.tab = name; render(); hooks.changed(); },
    }, t("doc.tab." + name)))),
    tabBody);
  renderTab(tabBody);
}

function renderTags(doc) {
  const input = h("input", { id: "tag-input", required: true, placeholder: t("doc.tag_placeholder"), maxlength: 64 });
  return h("div", { class: "tags" },
    h("span", { class: "hint" }, t("doc.tags")),
    listOf(doc.tags).map(tagName).filter(Boolean).map((tag) => h("span", { class: "chip tag", dataset: { tag } }, tag,
      h("button", { type: "button", class: "chip-x", "aria-label": t("doc.untag", { tag }),
                    onclick: () => write("/tags", { tag, remove: true }) }, "×"))),
    h("form", { class: "inline", id: "tag-form", onsubmit: (ev) => {
      ev.preventDefault();
      if (input.value.trim()) write("/tags", { tag: input.value.trim(), remove: false });
    } }, input, h("button", { type: "submit" }, t("doc.add_tag"))));
}

async function write(tail, body) {
  try {
    await post(docPath(view.id, tail), body);
    await reload();
  } catch (exc) {
    hooks.onError(exc, { keep: true });
  }
}

function renderTab(body) {
  const doc = view.doc;
  ({
    text: () => renderText(body, doc),
    pages: () => renderPages(body, doc),
    info: () => renderInfo(body, doc),
    entities: () => renderEntities(body, doc),
    custody: () => loadInto(body, docPath(view.id, "/custody"), renderCustody),
    family: () => loadInto(body, docPath(view.id, "/family"), renderFamily),
    similar: () => loadInto(body, docPath(view.id, "/similar"), renderSimilar),
    notes: () => renderNotes(body, doc),
  })[view.tab]();
}

async function loadInto(body, path, draw) {
  fill(body, h("p", { class: "hint" }, t("loading")));
  const id = view.id;
  try {
    const data = await get(path);
    if (view.id === id) draw(body, data);
  } catch (exc) {
    fill(body, h("p", { class: "notice" }, `${exc.status || ""} ${exc.message}`));
  }
}

function entityValues(values) {
  return listOf(values).map((v) => (typeof v === "string" ? v : v.text || v.norm || v.value || "")).filter(Boolean);
}

function renderText(body, doc) {
  const marks = hooks.terms().map((term) => ({ term, tag: "mark" }));
  for (const [name, values] of Object.entries(doc.entities || {})) {
    for (const value of entityValues(values)) marks.push({ term: value, tag: "span", class: `ent ent-${name}`, title: name });
  }
  fill(body, h("pre", { class: "doc-text", id: "doc-text" }, highlighted(doc.text || "", marks)));
}

function renderPages(body, doc) {
  const count = doc.page_count || null;
  const img = h("img", { id: "page-image", alt: t("doc.page_alt", { n: view.page }) });
  const status = h("p", { class: "hint", id: "page-status" }, t("loading"));
  const go = (step) => { view.page += step; renderPages(body, doc); };
  fill(body,
    h("nav", { class: "pager" },
      h("button", { type: "button", disabled: view.page <= 1, onclick: () => go(-1) }, t("page.prev")),
      h("span", {}, count ? t("page.of", { n: view.page, m: count }) : t("page.n", { n: view.page })),
      h("button", { type: "button", disabled: count ? view.page >= count : false, onclick: () => go(1) }, t("page.next"))),
    status, img);
  const id = view.id;
  get(docPath(id, `/pages/${view.page}`)).then((blob) => {
    const reader = new FileReader();
    reader.onload = () => {
      if (view.id !== id) return;
      img.src = reader.result;  // a data: URL (the page's CSP allows images from self and data:)
      status.remove();
    };
    reader.readAsDataURL(blob);
  }).catch((exc) => {
    img.remove();
    status.className = "notice";
    status.textContent = `${exc.status || ""} ${exc.message}`;
  });
}

function valueText(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function table(rows, cls = "kv") {
  return h("table", { class: cls }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, valueText(v))))));
}

function renderInfo(body, doc) {
  fill(body,
    table(INFO_FIELDS.filter((k) => doc[k] !== undefined && doc[k] !== null && doc[k] !== "").map((k) => [label("field", k), doc[k]])),
    h("h3", {}, t("doc.metadata")),
    table(Object.entries(doc.metadata || {})));
}

function renderEntities(body, doc) {
  const groups = Object.entries(doc.entities || {}).filter(([, v]) => entityValues(v).length);
  const slots = new Map();  // "LABEL:value" → its "also held by" badge, filled once /api/xref answers
  const box = h("section", { id: "xref", class: "xref" }, h("h3", {}, t("xref.title")), h("p", { class: "hint" }, t("loading")));
  fill(body,
    groups.length ? groups.map(([name, values]) => h("section", {},
      h("h3", {}, name),
      h("ul", { class: "plain pivots" }, [...new Set(entityValues(values))].map((value) => {
        const slot = h("span", { class: "held", hidden: true, dataset: { entity: `${name}:${value}` } });
        slots.set(`${name}:${value}`, slot);
        return h("li", {},
          h("button", { type: "button", class: `linkish ent ent-${name}`, title: t("doc.pivot"),
                        onclick: () => hooks.pivot(`${name}:${value}`) }, value), " ", slot);
      })))) : h("p", { class: "hint" }, t("none")),
    h("section", { id: "identifiers" }),
    box);
  loadIdentifiers(body.querySelector("#identifiers"), slots).then(() => loadHolders(box, slots, doc));
}

// Personal identifiers as the role may see them; each pivots by its token (keyed hash), never by its digits.
async function loadIdentifiers(section, slots) {
  const id = view.id;
  try {
    const data = await get(docPath(id, "/identifiers"));
    if (view.id !== id || !(data.identifiers || []).length) return;
    fill(section, h("h3", {}, t("doc.identifiers")), h("ul", { class: "plain pivots" }, data.identifiers.map((item) => {
      const slot = h("span", { class: "held", hidden: true, dataset: { identifier: item.label } });
      slots.set("h:" + item.token.slice(-32), slot);
      return h("li", { class: "identifier" }, h("span", { class: "xref-label" }, item.label), " ",
        h("button", { type: "button", class: "linkish ident", title: t("doc.pivot"),
                      onclick: () => hooks.pivotToken(item.token) }, item.value), " ", slot);
    })));
  } catch (exc) {
    fill(section, h("p", { class: "notice" }, `${exc.status || ""} ${exc.message}`));
  }
}

const heldBy = (holders) => Object.entries(holders || {}).sort().map(([agency, n]) => `${agency} (${n})`).join(", ");

// "Also held by": other agencies' documents naming the same value (counts only, from GET /api/xref?doc=).
async function loadHolders(box, slots, doc) {
  const id = view.id;
  try {
    const data = await get("/api/xref?" + query({ doc: id }));
    if (view.id !== id) return;
    const matches = data.matches || [];
    for (const m of matches) {
      for (const key of m.ref.startsWith("h:") ? [m.ref] : (m.mentions || []).map((v) => `${m.label}:${v}`)) {
        const slot = slots.get(key);
        if (!slot) continue;
        slot.hidden = false;
        slot.textContent = t("xref.badge", { who: heldBy(m.other_agencies) });
        slot.title = t("xref.badge_title");
      }
    }
    fill(box, h("h3", {}, t("xref.title")),
      matches.length ? h("ul", { class: "plain", id: "xref-list" }, matches.map((m) => h("li", { class: "xref-match", dataset: { ref: m.ref } },
        h("span", { class: "xref-label" }, m.label), " ", h("span", { class: "xref-value" }, m.value), " — ",
        h("span", { class: "held" }, t("xref.badge", { who: heldBy(m.other_agencies) })), " ",
        Object.keys(m.other_agencies || {}).sort().map((agency) => h("button", {
          type: "button", class: "linkish xref-ask", dataset: { to: agency },
          onclick: (ev) => ask(ev.currentTarget, m, agency, doc.case_id),
        }, t("xref.ask", { agency })))))) : h("p", { class: "hint" }, t("xref.none")));
  } catch (exc) {
    fill(box, h("h3", {}, t("xref.title")), h("p", { class: "notice" }, `${exc.status || ""} ${exc.message}`));
  }
}

async function ask(button, match, agency, caseId) {
  button.disabled = true;
  try {
    const made = await post("/api/xref/requests", { ref: match.ref, to: agency, case: caseId || "",
                                                   message: t("xref.message", { value: match.value }) });
    button.replaceWith(h("span", { class: "hint xref-asked" }, t("xref.asked", { agency, id: made.request_id })));
  } catch (exc) {
    button.disabled = false;
    hooks.onError(exc, { keep: true });
  }
}

function renderCustody(body, data) {
  const rows = (data.events || []).map((e) => h("tr", {},
    h("td", {}, e.time || ""), h("td", {}, e.event || ""),
    h("td", {}, [e.agency, e.case_id, e.exhibit].filter(Boolean).join(" ")),
    h("td", {}, e.event === "batch_received" ? `manifest ${e.manifest_sha256 || ""} · ${e.files ?? ""}`
      : listOf(e.children).map((c) => (Array.isArray(c) ? c[c.length - 1] : valueText(c))).join(", ")),
    h("td", { class: "mono", title: e.hash || "" }, (e.hash || "").slice(0, 16))));
  fill(body,
    h("table", { class: "grid", id: "custody" }, h("thead", {}, h("tr", {},
      ["time", "event", "holder", "detail", "hash"].map((c) => h("th", {}, t("custody." + c))))), h("tbody", {}, rows)),
    listOf(data.other_holders).length
      ? h("p", { class: "hint" }, t("custody.others"), " ", listOf(data.other_holders).map(valueText).join(", ")) : null);
}

function docLink(item, extra) {
  return h("li", {}, h("a", { href: `#doc=${encodeURIComponent(item.id)}`, dataset: { doc: item.id },
    onclick: (ev) => { ev.preventDefault(); openDoc(item.id, view.tab); } }, item.title || item.path || item.id),
  item.title && item.path && item.path !== item.title ? h("span", { class: "meta" }, " " + item.path) : null, extra);
}

function renderFamily(body, data) {
  fill(body, ["parent", "thread", "children", "siblings"].map((part) => h("section", { class: "family", dataset: { part } },
    h("h3", {}, t("family." + part)),
    listOf(data[part]).length ? h("ul", { class: "plain" }, listOf(data[part]).map((item) => docLink(item)))
      : h("p", { class: "hint" }, t("none")))));
}

function renderSimilar(body, data) {
  const out = h("div", { class: "diff", id: "diff", hidden: true });
  const items = listOf(data.similar);
  fill(body,
    items.length ? h("ul", { class: "plain" }, items.map((item) => docLink(item, [
      h("span", { class: "score" }, ` ${Math.round((item.similarity || 0) * 100)}%`), " ",
      h("button", { type: "button", class: "linkish", onclick: () => showDiff(out, view.id, item.id) }, t("similar.diff")),
    ]))) : h("p", { class: "hint" }, t("none")),
    out);
}

// Word by word: unchanged text plain, removed words struck in red, added ones in green; long unchanged runs cut.
async function showDiff(out, a, b) {
  out.hidden = false;
  out.textContent = t("loading");
  try {
    const data = await get("/api/diff?" + query({ a, b }));
    const words = Array.isArray(data.words) ? data.words : [];
    fill(out,
      h("div", { class: "diff-head" },
        h("span", { class: "del" }, "− " + (data.a?.path || a)), " ", h("span", { class: "add" }, "+ " + (data.b?.path || b))),
      words.length ? words.map(([op, text]) => (op === "-" ? h("del", { class: "del" }, text)
        : op === "+" ? h("ins", { class: "add" }, text)
          : op === "…" ? h("span", { class: "cut" }, " " + t("similar.cut", { n: text }) + " ")
            : h("span", {}, text))) : h("p", { class: "hint" }, t("similar.same")));
  } catch (exc) {
    out.textContent = `${exc.status || ""} ${exc.message}`;
  }
}

function renderNotes(body, doc) {
  const text = h("textarea", { id: "note-text", rows: 3, required: true, placeholder: t("doc.note_placeholder") });
  fill(body,
    h("ul", { class: "plain notes", id: "notes" }, listOf(doc.notes).map((n) => h("li", { class: "note" },
      h("div", { class: "meta" }, typeof n === "string" ? "" : [n.user || n.author, n.time || n.created].filter(Boolean).join(" · ")),
      h("div", {}, typeof n === "string" ? n : n.text || "")))),
    h("form", { id: "note-form", onsubmit: (ev) => {
      ev.preventDefault();
      if (text.value.trim()) write("/notes", { text: text.value.trim() }).then(() => { view.tab = "notes"; });
    } }, text, h("button", { type: "submit" }, t("doc.add_note"))));
}
