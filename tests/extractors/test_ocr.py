"""OCR: rendered Korean + English text reads back with >= 95 % character accuracy, spaces included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractors import Method, Status, extract_path

FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
LINES = [
    "공정거래위원회는 2024년 3월 입찰 담합 사건을 조사했다.",
    "The Fair Trade Commission opened an investigation in March.",
    "관련 회사 대표는 서울중앙지방법원에 출석할 예정이다.",
    "Contact the case officer at 02-2110-1234 for details.",
]

pytestmark = pytest.mark.skipif(
    not FONT.is_file() or shutil.which("tesseract") is None,
    reason="needs tesseract-ocr(-kor) and fonts-nanum (Debian)",
)


def _render(lines: list[str], size: int = 40):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    img = Image.new("L", (1700, 60 + int(size * 1.75) * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 30 + int(size * 1.75) * i), line, font=font, fill=0)
    return img


def _distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _accuracy(expected: str, got: str) -> float:
    norm = lambda s: "\n".join(" ".join(line.split()) for line in s.splitlines() if line.strip())  # noqa: E731
    exp, out = norm(expected), norm(got)
    return 1 - _distance(exp, out) / len(exp)


def test_korean_english_accuracy(tmp_path, ctx):
    path = tmp_path / "scan.png"
    _render(LINES).save(path, dpi=(300, 300))
    r = extract_path(path, ctx)
    assert r.status == Status.OK and r.method == Method.OCR
    accuracy = _accuracy("\n".join(LINES), r.text)
    assert accuracy >= 0.95, (accuracy, r.text)
    assert "입찰 담합 사건을" in r.text  # word spaces between Hangul words kept
    assert set(r.languages) >= {"ko"}


def test_multipage_tiff(tmp_path, ctx):
    pages = [_render(["첫 번째 쪽 Page one"]), _render(["두 번째 쪽 Page two"])]
    path = tmp_path / "scan.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(300, 300))
    r = extract_path(path, ctx)
    assert [p.number for p in r.pages] == [1, 2]
    assert "Page one" in r.pages[0].text and "Page two" in r.pages[1].text


def test_other_image_formats(tmp_path, ctx):
    img = _render(["증거 사진 Evidence photo"], size=48)
    for fmt, suffix in (("BMP", ".bmp"), ("GIF", ".gif"), ("WEBP", ".webp"), ("JPEG", ".jpg")):
        path = tmp_path / f"photo{suffix}"
        img.save(path, format=fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
        r = extract_path(path, ctx)
        assert r.status == Status.OK, (fmt, r.reason)
        assert "Evidence photo" in r.text and "증거 사진" in r.text, (fmt, r.text)


def test_time_budget_gives_partial_instead_of_timeout(tmp_path, ctx):
    import dataclasses

    from extractors import Limits

    # Each frame costs tesseract's start (~0.3 s with kor on a busy machine, ~0.15 s on a quiet one, where 20
    # frames fitted in the limit) at least; the limit leaves room for the first frame on a busy machine (a limit
    # under one frame's time makes tesseract itself time out), and the frames are far more than fit in it.
    frames = [_render([f"쪽 번호 {i} page {i}"]) for i in range(100)]
    path = tmp_path / "long.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    short = dataclasses.replace(ctx, limits=Limits(timeout_s=5))
    r = extract_path(path, short)
    assert r.status == Status.PARTIAL and "time limit" in r.reason
    assert 1 <= len(r.pages) < 100


def test_missing_language_pack_is_reported(tmp_path, ctx):
    import dataclasses

    path = tmp_path / "scan.png"
    _render(["한국어 and English"]).save(path, dpi=(300, 300))
    r = extract_path(path, dataclasses.replace(ctx, ocr_languages="kor+eng+xyz_missing"))
    assert r.status == Status.PARTIAL and "xyz_missing" in r.reason and "English" in r.text


def test_text_on_a_transparent_background_is_read(tmp_path, ctx):
    """A palette picture whose background is transparent black (screenshots, logos, GIF exports) is laid on white
    before OCR: black text on it is read, and Pillow's warning about such palettes is not raised."""
    import warnings

    from PIL import Image

    text = _render(LINES[1:2])
    picture = Image.new("P", text.size, 0)
    picture.putpalette([0, 0, 0] * 2 + [0, 0, 0] * 254)  # index 0: the (black) background, index 1: the ink
    picture.paste(1, mask=text.point(lambda v: 255 if v < 128 else 0).convert("1"))
    path = tmp_path / "transparent.png"
    picture.save(path, transparency=bytes([0] + [255] * 255), dpi=(300, 300))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = extract_path(path, ctx)
    assert r.status == Status.OK and r.method == Method.OCR, r.reason
    assert _accuracy(LINES[1], r.text) >= 0.9, r.text
