// Building DOM nodes: every value is inserted as text, never parsed as markup.
// The one exception is trustedHtml(), used only for search snippets, which the API escapes itself.

export const $ = (id) => document.getElementById(id);

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Snippets come from /api/search with markup=html: the text is escaped there and only <mark> is added.
export function trustedHtml(el, html) {
  el.innerHTML = html;
  return el;
}

// Text with the given terms wrapped in <mark>/<span> elements, built from text nodes only.
export function highlighted(text, marks, limit = 400000) {
  const frag = document.createDocumentFragment();
  const body = text.length > limit ? text.slice(0, limit) : text;
  const usable = marks.filter((m) => m.term && m.term.length > 1);
  if (!usable.length) {
    frag.append(body);
    return frag;
  }
  const escaped = usable.map((m) => m.term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(escaped.sort((a, b) => b.length - a.length).join("|"), "giu");
  const byTerm = new Map(usable.map((m) => [m.term.toLocaleLowerCase(), m]));
  let last = 0;
  for (const match of body.matchAll(pattern)) {
    if (match.index > last) frag.append(body.slice(last, match.index));
    const mark = byTerm.get(match[0].toLocaleLowerCase()) || usable[0];
    frag.append(h(mark.tag || "mark", { class: mark.class, title: mark.title }, match[0]));
    last = match.index + match[0].length;
  }
  frag.append(body.slice(last));
  return frag;
}
