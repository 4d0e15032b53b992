// Saved searches of the signed-in user: run one, delete one, save the current one.

import { $, h, fill } from "./dom.js";
import { get, post, del } from "./api.js";
import { t } from "./i18n.js";

let hooks = { onError: () => {}, apply: () => {}, current: () => ({}) };

export function init(given) {
  hooks = { ...hooks, ...given };
  $("save-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = $("save-name").value.trim();
    if (!name) return;
    try {
      await post("/api/saved-searches", { name, ...hooks.current() });
      $("save-name").value = "";
      await load();
    } catch (exc) {
      hooks.onError(exc, { keep: true });
    }
  });
}

function listOf(data) {
  if (Array.isArray(data)) return data;
  return data.saved || data.saved_searches || [];
}

export async function load() {
  try {
    render(listOf(await get("/api/saved-searches")));
  } catch (exc) {
    fill($("saved-list"), h("li", { class: "hint" }, exc.status === 404 ? t("saved.unavailable") : exc.message));
  }
}

function describe(item) {
  const parts = [item.query, ...Object.entries(item.filters || {}).map(([k, v]) => `${k}:${v}`)].filter(Boolean);
  return parts.join(" ");
}

function render(items) {
  fill($("saved-list"), items.length ? items.map((item) => h("li", { class: "saved", dataset: { name: item.name } },
    h("button", { type: "button", class: "linkish", title: describe(item), onclick: () => hooks.apply(item) }, item.name),
    h("button", { type: "button", class: "chip-x", "aria-label": t("saved.delete", { name: item.name }),
      onclick: async () => {
        try {
          await del(`/api/saved-searches/${encodeURIComponent(item.name)}`);
          await load();
        } catch (exc) {
          hooks.onError(exc, { keep: true });
        }
      } }, "×"))) : h("li", { class: "hint" }, t("none")));
}
