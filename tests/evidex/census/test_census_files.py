"""`evidex census --pdf/--png`: the report as a file for the case record — it opens, shows the counts, and holds no
raw identifier."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
from click.testing import CliRunner

from evidex.cli import main


def test_census_writes_pdf_and_png(tmp_path: Path) -> None:
    dump = tmp_path / "members.csv"
    rows = ["name,phone,email"] + [f"회원{i},010-2{i:03d}-{5000 + i},user{i}@example.com" for i in range(40)]
    dump.write_text("\n".join(rows + rows[1:11]) + "\n", encoding="utf-8")  # 10 people twice
    pdf, png = tmp_path / "census.pdf", tmp_path / "census.png"
    done = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "census", "--path", str(dump),
                                     "--pdf", str(pdf), "--png", str(png)])
    assert done.exit_code == 0, done.output
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(str(pdf)))
    assert "PHONE" in text and "EMAIL" in text and "40" in text and "50" in text
    assert "010-2001-5001" not in text and "user1@example.com" not in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
