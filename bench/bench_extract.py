"""Benchmark: born-digital PDF pages/s with the quality gate and the table finder on (the default) against
the same files with tables off (the figure before tables were on by default) and a bare pypdfium2 text loop,
all measured in this run, interleaved file by file, as ratios; where the finder's time goes (pages with
tables and without, and stage by stage against pdfium's page text; the best a detector of pages with tables
could do, and the pdfium calls the page census cannot do without); plain pdfplumber; how many PDF pages of the corpus the quality gate sent to another
reader, by reason; OCR s/page and what OCR of the pictures inside office and HWP documents costs (same
files with ``ocr_pictures`` off as the baseline).

Usage: ``nice -n 10 python bench/bench_extract.py [--corpus DIR] [--runs N] [--pdf-only | --tables-only]``.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extractors import ExtractContext, Method, Status, extract_path  # noqa: E402


def born_digital_pdfs(corpus: Path, ctx: ExtractContext) -> tuple[list[tuple[Path, int]], int, Counter[str]]:
    """PDFs of the corpus that open without a password and have a text layer on every page, how many
    of their pages had ruled tables, and how those pages' tables were laid out.

    Both paths are timed on text layers only (OCR off), so the figure compares text extraction;
    OCR is measured separately.
    """
    found = []
    tabled = 0
    layouts: Counter[str] = Counter()
    no_ocr = dataclasses.replace(ctx, ocr_enabled=False)
    for path in sorted((corpus / "pdf").rglob("*.pdf")):
        r = extract_path(path, no_ocr)
        if r.status.readable and r.pages and all(p.method == Method.TEXT_LAYER and p.text.strip() for p in r.pages):
            found.append((path, len(r.pages)))
            tabled += sum(1 for p in r.pages if p.tables)
            layouts.update(r.metadata.get("table_pages", {}))
    return found, tabled, layouts


def time_evidex(files: list[tuple[Path, int]], ctx: ExtractContext) -> float:
    started = time.perf_counter()
    for path, _ in files:
        extract_path(path, ctx)
    return time.perf_counter() - started


def time_bare(path: Path) -> float:
    """pypdfium2's text of every page, nothing else (no gate, spacing, tables, metadata)."""
    import pypdfium2 as pdfium

    started = time.perf_counter()
    doc = pdfium.PdfDocument(str(path))
    for index in range(len(doc)):
        page = doc[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    doc.close()
    return time.perf_counter() - started


def time_interleaved(files: list[tuple[Path, int]], contexts: dict[str, ExtractContext],
                     runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Wall and CPU seconds for all ``files`` under each context (and ``bare`` pypdfium2), medians of ``runs``;
    each file is read under every context in turn, so load on the machine falls on all of them alike (the
    CPU ratio is the steadier one on a shared machine)."""
    names = (*contexts, "bare")
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        wall, cpu = dict.fromkeys(names, 0.0), dict.fromkeys(names, 0.0)
        for path, _n in files:
            for name in names:
                started, started_cpu = time.perf_counter(), time.process_time()
                if name == "bare":
                    time_bare(path)
                else:
                    extract_path(path, contexts[name])
                wall[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - started_cpu
        for name in names:
            walls[name].append(wall[name])
            cpus[name].append(cpu[name])
    return ({n: statistics.median(v) for n, v in walls.items()}, {n: statistics.median(v) for n, v in cpus.items()})


def time_pdfplumber(files: list[tuple[Path, int]]) -> float:
    import pdfplumber

    started = time.perf_counter()
    for path, _ in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
    return time.perf_counter() - started


def ocr_seconds_per_page(corpus: Path, ctx: ExtractContext) -> tuple[float, int]:
    pages, seconds = 0, 0.0
    for rel in ("pdf/pdfplumber/issue-203-decimalize.pdf", "pdf/pdf.js/scan-bad.pdf",
                "pdf/opendataloader-pdf/chinese_scan.pdf"):
        path = corpus / rel
        if not path.is_file():
            continue
        started = time.perf_counter()
        r = extract_path(path, ctx)
        seconds += time.perf_counter() - started
        pages += sum(1 for p in r.pages if p.method in (Method.OCR, Method.MIXED))
    return (seconds / pages if pages else float("nan")), pages


def fallbacks(corpus: Path, ctx: ExtractContext) -> tuple[int, Counter[str], Counter[str]]:
    """Pages of every corpus PDF, the pages that fell back by reason (and the pages whose table search
    the document cap skipped), and the readers pages ended with."""
    reasons: Counter[str] = Counter()
    readers: Counter[str] = Counter()
    pages = 0
    for path in sorted((corpus / "pdf").rglob("*.pdf")):
        r = extract_path(path, ctx)
        pages += len(r.pages)
        reasons.update(r.metadata.get("fallback_pages", {}))
        if r.metadata.get("table_pages_skipped"):
            reasons["table search skipped (document cap)"] += r.metadata["table_pages_skipped"]
        readers.update(p.reader or "none" for p in r.pages)
    return pages, reasons, readers


def generated_fallbacks(tmp: Path, ctx: ExtractContext) -> tuple[int, Counter[str], Counter[str], float]:
    """The gate on pages the corpus lacks (made like the tests' fixtures, ``tests/extractors/pdf_fixtures``):
    Latin text in shifted glyph codes, Hangul and Hanja codes without a Unicode map. Pages, fallbacks by
    reason, readers, and seconds per page that fell back (pdftotext, then OCR)."""
    from tests.extractors.pdf_fixtures import glyph_code_pdf

    latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    cjk = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
    made = []
    for name, lines, font, options in (
            ("shifted.pdf", ["The quick brown fox jumps over the lazy dog.", "Evidence seized on Monday"], latin, {}),
            ("hangul.pdf", ["압수수색 영장 집행 결과 보고서", "증거물 목록과 봉인 확인서"], cjk, {"shift": None}),
            ("hanja.pdf", ["中華人民共和國國務院", "關於加強金融監督管理工作的決定", "各省自治區直轄市人民政府"], cjk,
             {"shift": None, "base_font": "SimSun", "size": 30})):
        if Path(font).is_file():
            glyph_code_pdf(tmp / name, lines, font, **options)
            made.append(tmp / name)
    reasons: Counter[str] = Counter()
    readers: Counter[str] = Counter()
    pages = 0
    started = time.perf_counter()
    for path in made:
        r = extract_path(path, ctx)
        pages += len(r.pages)
        reasons.update(r.metadata.get("fallback_pages", {}))
        readers.update(page.reader or "none" for page in r.pages)
    fell = sum(reasons.values())
    return pages, reasons, readers, (time.perf_counter() - started) / max(fell, 1)


@dataclasses.dataclass
class PageCosts:
    """Seconds spent page by page in one loop over the born-digital pages."""

    text: float = 0.0
    tables_found: float = 0.0
    tables_none: float = 0.0
    tabled: int = 0
    untabled: int = 0
    picture_search: float = 0.0
    #: The picture search given the census the table finder took (what it costs with tables on).
    picture_shared: float = 0.0
    searched: int = 0
    #: Pages a text-shape detector ("many short lines") picks, among pages with tables and without.
    shape_tabled: int = 0
    shape_untabled: int = 0


#: The text-shape detector tried: a page "looks tabular" when this share of its lines is short.
SHORT_LINE_CHARS = 30
SHORT_LINE_SHARE = 0.3


def looks_tabular(text: str) -> bool:
    """The cheap detector measured: many short lines (cells read one per line)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return bool(lines) and sum(len(line) <= SHORT_LINE_CHARS for line in lines) >= SHORT_LINE_SHARE * len(lines)


def page_cost_split(files: list[tuple[Path, int]]) -> PageCosts:
    """Page text read without and with the table finder, page by page in the same loop: seconds of text
    alone, extra seconds on pages where tables were found, extra on the others, and those page counts;
    and the search for pictures (OCR on) on the pages of files that have image XObjects.

    The extra on the pages without tables is all that a detector choosing "pages that look tabular"
    could save (a perfect one, before it costs anything itself)."""
    import pypdfium2 as pdfium

    from extractors.pdf import _page_text
    from extractors.pdfobjects import census
    from extractors.pdfpictures import has_image_xobjects, image_objects

    costs = PageCosts()
    for path, _ in files:
        search = has_image_xobjects(path)
        doc = pdfium.PdfDocument(str(path))
        try:
            for index in range(len(doc)):
                page = doc[index]
                try:
                    started = time.perf_counter()
                    text = _page_text(page, False)[0]
                    middle = time.perf_counter()
                    tables = _page_text(page, True)[3]
                    done = time.perf_counter()
                    extra = done - middle - (middle - started)
                    costs.text += middle - started
                    if search:
                        image_objects(page)
                        alone = time.perf_counter()
                        objects = census(page)
                        shared = time.perf_counter()
                        image_objects(page, objects)
                        costs.picture_search += alone - done
                        costs.picture_shared += time.perf_counter() - shared
                        costs.searched += 1
                    shape = looks_tabular(text)
                finally:
                    page.close()
                if tables:
                    costs.tables_found, costs.tabled = costs.tables_found + extra, costs.tabled + 1
                    costs.shape_tabled += shape
                else:
                    costs.tables_none, costs.untabled = costs.tables_none + extra, costs.untabled + 1
                    costs.shape_untabled += shape
        finally:
            doc.close()
    return costs


def finder_stages(files: list[tuple[Path, int]]) -> tuple[dict[str, float], float, int, int]:
    """Where the table finder's time goes, stage by stage over every born-digital page (CPU seconds):
    the census of page objects (with path bounds), rules from paths and their grids and cells (one C call with
    the library), the cell text of ruled grids, the aligned-column search on pages without ruled tables, and the
    page text laid out around the tables; with pdfium's page text (the text page and its text) as the yardstick, how
    many objects the census looked at, and how many pdfium calls it made (one to fetch and one to type
    each object, one more for each path's bounds)."""
    import pypdfium2 as pdfium

    from extractors import pdftables as ruled
    from extractors.pdfcolumns import aligned_tables
    from extractors.pdfgrid import native_page_grids
    from extractors.pdflayout import page_with_tables
    from extractors.pdfobjects import census

    stages = dict.fromkeys(("census", "rules and grids", "cell text", "aligned columns", "layout"), 0.0)
    limits = dict(thin=ruled.THIN, min_length=ruled.MIN_LENGTH, snap=ruled.SNAP, join=ruled.JOIN, inset=ruled.INSET,
                  min_rules=ruled.MIN_RULES, max_segments=ruled.MAX_SEGMENTS,
                  max_cells=ruled.MAX_GRID_CELLS)
    text_s, objects, calls = 0.0, 0, 0
    clock = time.process_time
    for path, _ in files:
        doc = pdfium.PdfDocument(str(path))
        try:
            for index in range(len(doc)):
                page = doc[index]
                t0 = clock()
                textpage = page.get_textpage()
                text = textpage.get_text_range().replace("\r\n", "\n")
                t1 = clock()
                found_objects = census(page, ruled.MAX_PAGE_OBJECTS, measure=True)
                t2 = clock()
                groups = native_page_grids(found_objects, **limits)  # one C call, as find_tables makes it
                if groups is None:  # no library: the steps in numpy and Python
                    horizontal, vertical, _ = ruled.rules_of(found_objects)
                    groups = ([ruled.cells(h, v) for h, v in ruled.grids(ruled.merge_rules(horizontal),
                                                                         ruled.merge_rules(vertical))]
                              if horizontal and vertical else [])
                t3 = clock()
                read = ruled.region_reader(textpage)
                found = ruled._read_grids(groups, read)
                t5 = clock()
                if not found and found_objects.complete:
                    found = aligned_tables(textpage, read)
                t6 = clock()
                if found:
                    page_with_tables(textpage, text, found, read=read)
                t7 = clock()
                textpage.close()
                page.close()
                text_s += t1 - t0
                objects += found_objects.seen
                calls += 2 * found_objects.seen + len(found_objects.paths)
                for name, (a, b) in zip(stages, ((t1, t2), (t2, t3), (t3, t5), (t5, t6), (t6, t7))):
                    stages[name] += b - a
        finally:
            doc.close()
    return stages, text_s, objects, calls


def picture_cost(files: list[Path], ctx: ExtractContext) -> tuple[int, float, float, Counter[str]]:
    """Of ``files``, those with pictures OCR'd: how many, seconds to read them with OCR of pictures and
    without (the baseline), and the pictures by outcome (OCR'd, with text, skipped by reason)."""
    off = dataclasses.replace(ctx, ocr_pictures=False)
    with_pictures = [p for p in files if extract_path(p, ctx).metadata.get("pictures", {}).get("ocr")]
    outcome: Counter[str] = Counter()
    started = time.perf_counter()
    for path in with_pictures:
        meta = extract_path(path, ctx).metadata.get("pictures", {})
        outcome.update({"found": meta.get("found", 0), "OCR'd": meta.get("ocr", 0),
                        "with text": meta.get("with_text", 0), **meta.get("skipped", {})})
    on_s = time.perf_counter() - started
    started = time.perf_counter()
    for path in with_pictures:
        extract_path(path, off)
    return len(with_pictures), on_s, time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("EVIDEX_CORPUS") or REPO.parent / "shared" / "corpus"))
    parser.add_argument("--runs", type=int, default=3, help="runs of the fast path (median reported)")
    parser.add_argument("--pdf-only", action="store_true", help="stop after the PDF figures (no OCR, no pictures)")
    parser.add_argument("--tables-only", action="store_true",
                        help="stop after the table finder's figures (no pdfplumber, gate, OCR or pictures)")
    args = parser.parse_args()
    if not (args.corpus / "pdf").is_dir():
        sys.exit(f"corpus not found at {args.corpus}")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = ExtractContext(tmp_dir=Path(tmp))
        files, tabled, layouts = born_digital_pdfs(args.corpus, ctx)
        pages = sum(n for _, n in files)
        print(f"born-digital PDFs: {len(files)} files, {pages} pages")
        print(f"tables:             on {tabled} of those pages (ruled or aligned columns)"
              + "".join(f"; {how}: {n}" for how, n in layouts.most_common()))
        text_only = dataclasses.replace(ctx, ocr_enabled=False)
        t, cpu = time_interleaved(
            files, {"default": text_only, "no tables": dataclasses.replace(text_only, pdf_tables=False)}, args.runs)
        fast = t["default"]
        print(f"evidex (pypdfium2): {pages / fast:8.1f} pages/s  ({fast:.2f} s, median of {args.runs}; whole "
              "extract_path per file, OCR off, quality gate and table finder on: the default)")
        print(f"  tables off:       {pages / t['no tables']:8.1f} pages/s  (default / tables off = "
              f"{fast / t['no tables']:.2f}x the time; CPU {cpu['default'] / cpu['no tables']:.2f}x)")
        print(f"  bare pypdfium2:   {pages / t['bare']:8.1f} pages/s  (page text only; default / bare = "
              f"{fast / t['bare']:.2f}x, CPU {cpu['default'] / cpu['bare']:.2f}x; tables off / bare = "
              f"{t['no tables'] / t['bare']:.2f}x, CPU {cpu['no tables'] / cpu['bare']:.2f}x: gate, spacing, metadata, "
              "language and dispatch)")
        c = page_cost_split(files)
        print(f"  table finder, page by page: +{c.tables_found / c.text:.0%} of all page-text time on the "
              f"{c.tabled} pages with tables ({1000 * c.tables_found / max(c.tabled, 1):.1f} ms a page), "
              f"+{c.tables_none / c.text:.0%} on the {c.untabled} without "
              f"({1000 * c.tables_none / max(c.untabled, 1):.2f} ms a page; page text alone "
              f"{1000 * c.text / pages:.1f} ms a page)")
        share = c.tables_found / max(c.tables_found + c.tables_none, 1e-9)  # of the finder's time, on pages with tables
        print(f"  a perfect page detector (the finder skipped, at no cost, on every page without tables): default / "
              f"tables off >= {1 + (fast / t['no tables'] - 1) * share:.2f}x (the finder's time on pages with tables "
              f"is {share:.0%} of it)")
        stages, text_s, objects, calls = finder_stages(files)
        print(f"  finder stages (CPU, as a share of pdfium's page text, {1000 * text_s / pages:.1f} ms a page; "
              f"{objects / pages:.0f} page objects a page): "
              + ", ".join(f"{name} {seconds / text_s:.0%}" for name, seconds in stages.items()))
        from extractors.pdfobjects import native_census

        how = "in C (extractors/native/census.c)" if native_census() else "through ctypes (the C census is not built)"
        print(f"  census {how}: {calls / pages:.0f} pdfium calls a page, "
              f"{1e6 * stages['census'] / max(calls, 1):.2f} us a call, {stages['census'] / cpu['no tables']:.0%} of "
              "the tables-off CPU time by itself")
        print(f"  text-shape detector (>= {SHORT_LINE_SHARE:.0%} of lines under {SHORT_LINE_CHARS} characters): "
              f"picks {c.shape_tabled} of the {c.tabled} pages with tables and {c.shape_untabled} of the "
              f"{c.untabled} without")
        print(f"  picture search (OCR on): +{c.picture_search / c.text:.0%} of all page-text time with its own walk, "
              f"+{c.picture_shared / c.text:.0%} given the table finder's census, on the {c.searched} pages of files "
              f"with image XObjects ({1000 * c.picture_search / max(c.searched, 1):.2f} / "
              f"{1000 * c.picture_shared / max(c.searched, 1):.2f} ms a page; whole extract_path "
              f"{1000 * fast / pages:.1f} ms)")
        if args.tables_only:
            return
        slow = time_pdfplumber(files)
        print(f"pdfplumber:         {pages / slow:8.1f} pages/s  ({slow:.2f} s, 1 run)")
        print(f"ratio:              {slow / fast:8.1f}x")
        total, reasons, readers = fallbacks(args.corpus, text_only)
        fell = sum(reasons.values())
        print(f"quality gate:       {fell} of {total} PDF pages fell back (OCR off)"
              + "".join(f"; {reason}: {n}" for reason, n in reasons.most_common()))
        print("readers:            " + ", ".join(f"{name} {n}" for name, n in readers.most_common()))
        made, made_reasons, made_readers, per_fallback = generated_fallbacks(Path(tmp), ctx)
        print(f"  generated bad layers (OCR on): {sum(made_reasons.values())} of {made} pages fell back"
              + "".join(f"; {reason}: {n}" for reason, n in made_reasons.most_common())
              + f"; {per_fallback:.2f} s a page; readers: "
              + ", ".join(f"{name} {n}" for name, n in made_readers.most_common()))
        if args.pdf_only:
            return
        per_page, ocr_pages = ocr_seconds_per_page(args.corpus, ctx)
        print(f"OCR (tesseract {ctx.ocr_languages}, psm 4, 300 dpi): {per_page:.2f} s/page over {ocr_pages} pages")
        office = sorted(p for folder in ("office", "hwp") for p in (args.corpus / folder).rglob("*") if p.is_file())
        for label, group in (("office/HWP", office), ("born-digital PDF", [p for p, _ in files])):
            count, on_s, off_s, outcome = picture_cost(group, ctx)
            ocrd = outcome["OCR'd"]
            print(f"pictures in {label} files: {count} files with pictures OCR'd; {on_s:.2f} s with picture OCR, "
                  f"{off_s:.2f} s without ({on_s / max(off_s, 1e-9):.1f}x the time); "
                  f"{(on_s - off_s) / max(ocrd, 1):.2f} s per picture OCR'd")
            print("  pictures:         " + ", ".join(f"{k} {n}" for k, n in outcome.items()))


if __name__ == "__main__":
    main()
