// Same-origin calls with the session cookie; the CSRF token is kept in memory only (never the sign-in token).

let csrf = "";

export function setCsrf(value) {
  csrf = value || "";
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function detailOf(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    const detail = body.detail ?? body;
    if (Array.isArray(detail)) {
      return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg || JSON.stringify(d)}`).join("; ");
    }
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  } catch {
    return text.slice(0, 300) || response.statusText;
  }
}

export async function call(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrf;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (exc) {
    throw new ApiError(0, String(exc.message || exc));
  }
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) return response.json();
  if (type.startsWith("image/")) return response.blob();
  return response.text();
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
export const del = (path) => call("DELETE", path);

export function query(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null && one !== "") out.append(key, one);
    }
  }
  return out.toString();
}

export const docPath = (id, tail = "") => `/api/documents/${encodeURIComponent(id)}${tail}`;
