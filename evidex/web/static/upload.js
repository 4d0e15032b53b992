// A clerk hands over a batch (files or one archive with its manifest) and follows it to its receipt.

import { $, h, fill } from "./dom.js";
import { get, post } from "./api.js";
import { t, label } from "./i18n.js";

let hooks = { onError: () => {} };
let polling = null;

export function init(given) {
  hooks = { ...hooks, ...given };
  $("upload-form").addEventListener("submit", submit);
}

async function submit(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const body = new FormData(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  $("upload-state").textContent = t("upload.sending");
  try {
    const answer = await post("/api/batches", body);
    $("upload-state").textContent = t("upload.accepted", { id: answer.upload_id || "", state: label("state", answer.state) });
    form.reset();
    await loadBatches();
  } catch (exc) {
    $("upload-state").textContent = "";
    hooks.onError(exc, { keep: true });
  } finally {
    button.disabled = false;
  }
}

const FINISHED = new Set(["done", "failed"]);
const running = (data) => [...data.batches, ...data.uploads].some((b) => !FINISHED.has(String(b.state)));

function poll() {
  clearTimeout(polling);
  polling = setTimeout(loadBatches, 1500);
}

// Batches in the catalogue, and uploads still queued, ingesting or failed; polled while any is running.
export async function loadBatches() {
  try {
    const data = await get("/api/batches");
    const listed = { batches: data.batches || [], uploads: data.uploads || [] };
    renderBatches(listed);
    if (running(listed) && !$("view-upload").hidden) poll();
    return listed;
  } catch (exc) {
    hooks.onError(exc, { keep: true });
    return { batches: [], uploads: [] };
  }
}

function counts(value) {
  if (!value || typeof value !== "object") return value ?? "";
  return Object.entries(value).map(([k, v]) => `${k} ${v}`).join(", ");
}

function renderBatches({ batches, uploads }) {
  const head = ["batch", "case", "exhibit", "received", "files", "state", "counts", "receipt"];
  fill($("batches"),
    h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, t("batches." + c))))),
    h("tbody", {}, uploads.map((u) => h("tr", { class: "pending", dataset: { upload: u.upload_id, state: u.state } },
      h("td", { class: "mono" }, u.upload_id), h("td", {}, u.case_id ?? ""), h("td", {}), h("td", {}),
      h("td", {}, u.files ?? ""), h("td", { class: "state" }, label("state", u.state)),
      h("td", { colspan: 2, class: u.error ? "reason" : "" }, u.error || ""))),
    batches.map((b) => h("tr", { dataset: { batch: b.batch_id, state: b.state } },
      h("td", { class: "mono" }, b.batch_id), h("td", {}, b.case_id), h("td", {}, b.exhibit ?? ""),
      h("td", {}, b.received_at ?? ""), h("td", {}, valueOf(b.files)), h("td", { class: "state" }, label("state", b.state)),
      h("td", {}, counts(b.counts)),
      h("td", {}, b.receipt_url ? h("button", { type: "button", class: "linkish receipt-link",
        onclick: () => showReceipt(b.receipt_url) }, t("batches.show")) : "")))));
}

function valueOf(files) {
  return Array.isArray(files) ? files.length : files ?? "";
}

const RECEIPT_FIELDS = ["batch_id", "agency", "case_id", "exhibit", "submitted_by", "received_at", "manifest_sha256",
  "files", "bytes"];

// A receipt: what was handed over, each file's hash, and what could not be read and why.
async function showReceipt(url) {
  const out = $("receipt");
  out.hidden = false;
  fill(out, t("loading"));
  try {
    const r = await get(url);
    const head = r.custody_head ? `${r.custody_head.seq ?? ""} ${r.custody_head.hash ?? ""}` : "";
    fill(out,
      h("h2", {}, t("receipt.title")),
      h("table", { class: "kv" }, h("tbody", {},
        [...RECEIPT_FIELDS.map((k) => [t("receipt." + k), r[k]]), [t("receipt.statuses"), counts(r.statuses)],
         [t("receipt.custody_head"), head]].map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v ?? ""))))),
      h("table", { class: "grid", id: "receipt-items" },
        h("thead", {}, h("tr", {}, ["path", "sha256", "size", "status", "reason"].map((c) => h("th", {}, t("receipt." + c))))),
        h("tbody", {}, (r.items || []).map((item) => h("tr", { class: item.reason ? "refused" : "" },
          h("td", {}, item.path), h("td", { class: "mono", title: item.sha256 || "" }, (item.sha256 || "").slice(0, 16)),
          h("td", {}, item.size ?? ""), h("td", {}, label("status", item.status)), h("td", {}, item.reason || ""))))),
      h("details", {}, h("summary", {}, "JSON"), h("pre", {}, JSON.stringify(r, null, 2))));
  } catch (exc) {
    fill(out, h("p", { class: "notice" }, `${exc.status || ""} ${exc.message}`));
  }
}
