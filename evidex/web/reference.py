"""The API reference page, rendered on the server from the OpenAPI schema: no third-party script or stylesheet."""

from __future__ import annotations

import html
from typing import Any


def api_reference_page(schema: dict[str, Any]) -> str:
    """Every path and method with its summary and parameters, as plain HTML."""
    rows: list[str] = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, op in methods.items():
            params = ", ".join(
                f"{html.escape(p.get('name', ''))}{'' if p.get('required') else '?'} ({html.escape(p.get('in', ''))})"
                for p in op.get("parameters", []))
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op.get('summary', ''))}</td><td>{params}</td></tr>")
    title = html.escape(schema.get("info", {}).get("title", "API"))
    return ("<!doctype html><html><head><meta charset='utf-8'><title>" + title + " API</title>"
            "<style>body{font-family:sans-serif;margin:1rem}td{border-bottom:1px solid #ddd;padding:.2rem .5rem}"
            "</style></head><body><h1>" + title + " API</h1><p>Machine-readable schema: "
            "<a href='/api/openapi.json'>/api/openapi.json</a>. Every call needs <code>Authorization: Bearer "
            "&lt;token&gt;</code>.</p><table><tr><th>method</th><th>path</th><th>summary</th><th>parameters</th></tr>"
            + "".join(rows) + "</table></body></html>")
