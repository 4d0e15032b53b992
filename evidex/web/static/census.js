// The census page: asks /api/census for the cases with a report and shows one (tables built with the DOM, charts
// as SVG images the server draws). Signed in by the workbench's session cookie; no data is kept in the browser.

const $ = (id) => document.getElementById(id);

function cell(row, text, numeric = false, tag = "td") {
  const el = document.createElement(tag);
  el.textContent = typeof text === "number" ? text.toLocaleString() : String(text ?? "-");
  if (numeric) el.className = "num";
  row.append(el);
}

function fill(table, header, rows) {
  table.replaceChildren();
  const head = table.insertRow();
  header.forEach((h) => cell(head, h, false, "th"));
  if (!rows.length) {
    const row = table.insertRow();
    cell(row, "-");
  }
  for (const values of rows) {
    const row = table.insertRow();
    values.forEach((v) => cell(row, v, typeof v === "number"));
  }
}

function say(text) {
  $("census-message").textContent = text;
  $("census-message").hidden = !text;
}

async function ask(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) throw new Error("먼저 검색 화면에서 로그인하세요 · Sign in on the workbench first (/).");
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `HTTP ${response.status}`);
  return body;
}

function query(report) {
  const params = new URLSearchParams({ case: report.case_id });
  if (report.batch_id) params.set("batch", report.batch_id);
  return params.toString();
}

function show(report, q) {
  const scope = report.scope || {};
  $("census-title").textContent = `${scope.case_id || ""}${scope.batch_id ? " / " + scope.batch_id : ""}`;
  $("census-scope").textContent = `agency ${scope.agency || "-"} · ${report.files.length} file(s)`;
  $("census-totals").textContent = `${report.rows.toLocaleString()} rows scanned, ` +
    `${report.rows_with_pii.toLocaleString()} with personal data`;
  const labels = [...new Set([...Object.keys(report.distinct), ...Object.keys(report.invalid)])].sort();
  fill($("census-types"), ["type", "distinct people", "values", "invalid", "in several files"],
    labels.map((l) => [l, report.distinct[l] || 0, report.values[l] || 0, report.invalid[l] || 0,
      (report.in_several_files || {})[l] || 0]));
  const pairs = (list) => [...list].sort((a, b) => b.shared - a.shared).map((o) => [o.label, o.a, o.b, o.shared]);
  fill($("census-file-overlap"), ["type", "file", "file", "people in both"], pairs(report.file_overlap));
  fill($("census-agency-overlap"), ["type", "agency", "agency", "people in both"], pairs(report.agency_overlap));
  fill($("census-files"), ["file", "agency", "batch", "rows", "with data", "distinct"],
    report.files.map((f) => [f.name, f.agency || "-", f.batch_id || "-", f.rows, f.rows_with_pii,
      Object.entries(f.distinct).map(([k, v]) => `${k} ${v.toLocaleString()}`).join(", ")]));
  $("chart-types").src = `/api/census/chart.svg?${q}&kind=types`;
  $("chart-agencies").src = `/api/census/chart.svg?${q}&kind=agencies`;
  $("census-pdf").href = `/api/census/report.pdf?${q}`;
  $("census-png").href = `/api/census/report.png?${q}`;
  $("census-json").href = `/api/census?${q}`;
  $("census-report").hidden = false;
}

async function open(choice) {
  say("");
  try {
    const q = query(choice);
    show(await ask(`/api/census?${q}`), q);
  } catch (error) {
    $("census-report").hidden = true;
    say(error.message);
  }
}

async function start() {
  let reports = [];
  try {
    reports = (await ask("/api/census/cases")).reports;
  } catch (error) {
    $("census-pick").hidden = true;
    say(error.message);
    return;
  }
  const select = $("census-case");
  reports.forEach((r, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = `${r.case_id}${r.batch_id ? " / " + r.batch_id : ""} (${r.rows.toLocaleString()} rows)`;
    select.append(option);
  });
  $("census-count").textContent = reports.length ? "" : "아직 조사 보고서가 없습니다 · No census report yet (evidex census --case).";
  $("census-pick").addEventListener("submit", (event) => {
    event.preventDefault();
    if (reports.length) open(reports[Number(select.value)]);
  });
  const wanted = new URLSearchParams(location.search).get("case");
  const first = reports.find((r) => r.case_id === wanted) || reports[0];
  if (first) {
    select.value = String(reports.indexOf(first));
    open(first);
  }
}

start();
