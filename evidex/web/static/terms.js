// Batch search: a list of terms, each one's count and top documents (POST /api/batch-search).

import { $, h, fill } from "./dom.js";
import { post } from "./api.js";
import { t } from "./i18n.js";

let hooks = { onError: () => {}, openDoc: () => {}, filters: () => ({}) };

export function init(given) {
  hooks = { ...hooks, ...given };
  $("terms-form").addEventListener("submit", run);
}

async function run(ev) {
  ev.preventDefault();
  const terms = $("terms").value.split("\n");
  const out = $("terms-out");
  try {
    const filters = { ...hooks.filters() };
    const data = await post("/api/batch-search", { terms, top: Number($("terms-top").value) || 5, ...filters });
    out.hidden = false;
    fill(out,
      h("thead", {}, h("tr", {}, ["line", "term", "count", "top.h"].map((c) => h("th", {}, t("terms." + c))))),
      h("tbody", {}, (data.terms || []).map((r) => h("tr", { class: r.error ? "refused" : "" },
        h("td", {}, r.line), h("td", {}, r.term), h("td", {}, r.error ? `${r.status || ""} ${r.error}` : r.count),
        h("td", {}, h("ul", { class: "plain" }, (r.hits || []).map((hit) => h("li", {},
          h("a", { href: "#", onclick: (e) => { e.preventDefault(); hooks.openDoc(hit.doc_id); } },
            hit.title || hit.path)))))))));
  } catch (exc) {
    fill(out);
    out.hidden = true;
    hooks.onError(exc, { keep: true });
  }
}
