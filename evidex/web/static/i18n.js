// Interface text in Korean and English. The chosen language (never anything else) is kept in localStorage.

import { ko } from "./i18n-ko.js";
import { en } from "./i18n-en.js";

const STRINGS = { ko, en };
const KEY = "evidex-lang";
let lang = pick();

function pick() {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && STRINGS[saved]) return saved;
  } catch { /* storage may be disabled */ }
  return (navigator.language || "ko").toLowerCase().startsWith("en") ? "en" : "ko";
}

export const currentLanguage = () => lang;

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ""));
}

// A value from the data (a facet, field, filter or status name) with its label, or the value itself.
export function label(kind, value) {
  const key = `${kind}.${value}`;
  return STRINGS[lang][key] ?? STRINGS.en[key] ?? String(value ?? "");
}

export function applyLanguage(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export function setLanguage(next) {
  if (!STRINGS[next]) return;
  lang = next;
  try { localStorage.setItem(KEY, next); } catch { /* the choice lasts for this page only */ }
  applyLanguage();
}
