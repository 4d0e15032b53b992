"""Legacy binary Office: DOC (antiword, catdoc), XLS (xlrd, BIFF2–8), PPT (catppt)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from extractors.base import (
    MAX_TABLE_ROWS, CorruptError, ExtractContext, Extracted, ExtractionError, Method, Page, Status, Table,
    UnsupportedError,
)
from extractors.children import ChildSink
from extractors.office.crypto import decrypt_to, is_encrypted
from extractors.office.numformat import BUILTIN, display, is_date_code
from extractors.office.oleobjects import ppt_objects, word_object_pool, workbook_objects
from extractors.pictures import PictureOcr

#: Streams holding a legacy file's pictures (Excel's are in the drawing group of its workbook stream).
_DOC_PICTURES = ("Data", "WordDocument")
_PPT_PICTURES = ("Pictures",)
_XLS_PICTURES = ("Workbook", "Book")


def _run(cmd: list[str], ctx: ExtractContext) -> tuple[int, str, str]:
    if shutil.which(cmd[0]) is None:
        raise UnsupportedError(f"reading this format needs the {cmd[0]} binary (Debian: {_DEBIAN[cmd[0]]})")
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=ctx.limits.timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(f"{cmd[0]} ran past {ctx.limits.timeout_s:g} s") from exc
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


_DEBIAN = {"antiword": "antiword", "catdoc": "catdoc", "catppt": "catdoc", "xls2csv": "catdoc"}


def _decrypted_then(path: Path, ctx: ExtractContext, reader) -> Extracted:
    """Read an encrypted legacy file through a decrypted temporary copy."""
    plain, _ = decrypt_to(path, ctx)
    try:
        result = reader(plain, ctx)
    finally:
        plain.unlink(missing_ok=True)
    return dataclasses.replace(result, metadata=dict(result.metadata, decrypted=True))


def extract_doc(path: Path, ctx: ExtractContext) -> Extracted:
    """Word 97–2003 with antiword; Word 6/95 and antiword failures with catdoc."""
    if is_encrypted(path):
        return _decrypted_then(path, ctx, _read_doc)
    return _read_doc(path, ctx)


def _read_doc(path: Path, ctx: ExtractContext) -> Extracted:
    code, out, err = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)], ctx)
    tool = "antiword"
    if code != 0 or not out.strip():
        code2, out2, err2 = _run(["catdoc", "-d", "utf-8", "-w", str(path)], ctx)
        if code2 == 0 and out2.strip():
            out, tool, code = out2, "catdoc", 0
        else:
            reason = (err or err2).strip().splitlines()
            raise CorruptError(f"Word document unreadable: {reason[-1] if reason else 'no text found'}")
    text = out.replace("\f", "\n").strip()
    sink = ChildSink(ctx)
    word_object_pool(path, sink)
    return _pictures(path, ctx, _DOC_PICTURES).finish(Extracted(
        status=Status.OK, text=text, metadata={"reader": tool, **sink.metadata()}, method=Method.TEXT_LAYER,
        children=tuple(sink.children)))


def extract_ppt(path: Path, ctx: ExtractContext) -> Extracted:
    """PowerPoint 97–2003: slides, notes, masters and embedded objects."""
    if is_encrypted(path):
        return _decrypted_then(path, ctx, _read_ppt)
    return _read_ppt(path, ctx)


def _read_ppt(path: Path, ctx: ExtractContext) -> Extracted:
    """Slides (placeholders, text boxes, tables), notes and masters from the deck's own records and
    from catppt; the reading with more text is kept. Embedded OLE objects become children."""
    records = _ppt_records(path)
    code, out, err = _run(["catppt", "-d", "utf-8", str(path)], ctx)
    if code != 0 and records is None:
        lines = err.strip().splitlines()
        raise CorruptError(f"PowerPoint file unreadable: {lines[-1] if lines else code}")
    catppt = [s.strip() for s in out.split("\f")] if code == 0 else []
    catppt_size = sum(len("".join(line.split())) for line in dict.fromkeys("\n".join(catppt).splitlines()))
    sink = ChildSink(ctx)
    meta: dict = {}
    if records is not None:
        ppt_objects(records.objects, sink)
        if records.problems:
            meta["warnings"] = records.problems[:20]
    if records is not None and records.size() >= catppt_size:
        pages = tuple(Page(i, s) for i, s in enumerate(records.pages(), start=1) if s)
        parts = [p.text for p in pages] + [f"[{label}]\n{text}" for label, text in records.sections().items() if text]
        meta["reader"] = "ppt records"
    else:
        pages = tuple(Page(i, s) for i, s in enumerate(catppt, start=1) if s)
        parts = [p.text for p in pages]
        meta["reader"] = "catppt"
    meta.update(sink.metadata())
    return _pictures(path, ctx, _PPT_PICTURES).finish(Extracted(
        status=Status.OK, text="\n\n".join(parts), pages=pages, metadata=meta, method=Method.TEXT_LAYER,
        children=tuple(sink.children)))


def _pictures(path: Path, ctx: ExtractContext, streams: tuple[str, ...]) -> PictureOcr:
    """The pictures of a compound file's ``streams`` (BLIP records), offered for OCR."""
    import olefile

    from extractors.office.biff import drawing_group
    from extractors.office.blips import find_blips

    pictures = PictureOcr(ctx)
    try:
        with olefile.OleFileIO(str(path)) as ole:
            for stream in streams:
                if not ole.exists(stream):
                    continue
                data = ole.openstream(stream).read()
                if stream in _XLS_PICTURES:
                    data = drawing_group(data)
                for number, (_offset, picture) in enumerate(find_blips(data), start=1):
                    pictures.offer(f"{stream}/picture-{number}", picture)
    except Exception:  # olefile raises many types on damaged containers; the text was read already
        pictures.skipped["unreadable image data"] += 1
    return pictures


def _workbook_stream(path: Path) -> bytes | None:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            for stream in _XLS_PICTURES:
                if ole.exists(stream):
                    return ole.openstream(stream).read()
    except Exception:  # olefile raises many types on damaged containers
        return None
    return None


def _charts_section(stream: bytes | None, meta: dict) -> str:
    """``[charts]`` text (titles, series names, category labels) of a workbook stream; counts in ``meta``."""
    from extractors.office.biff import MAX_CHARTS, read_charts

    if not stream:
        return ""
    charts, total = read_charts(stream)
    if not total:
        return ""
    meta["charts"] = total
    if total > MAX_CHARTS:
        meta.setdefault("warnings", []).append(f"only the first {MAX_CHARTS} of {total} charts read")
    blocks = ["\n".join(lines) for chart in charts if (lines := chart.lines())]
    return "[charts]\n" + "\n\n".join(blocks) if blocks else ""


def _ppt_records(path: Path):
    """The deck's text read from its records (``extractors.office.pptrecords``), or None."""
    import olefile

    from extractors.office.pptrecords import read_ppt_text

    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = ole.openstream("PowerPoint Document").read()
            user = ole.openstream("Current User").read() if ole.exists("Current User") else None
    except Exception:  # olefile raises many types on damaged containers
        return None
    return read_ppt_text(stream, user)


class _Quiet:
    """A log sink for xlrd, which writes warnings to stdout by default."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def extract_xls(path: Path, ctx: ExtractContext) -> Extracted:
    """Excel 2–2003 workbooks, one page per sheet, with xlrd."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=_Quiet(), formatting_info=True)
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            return _decrypted_then(path, ctx, extract_xls)
        return _charts_only(path, ctx, f"Excel workbook unreadable: {exc}")
    except Exception as exc:  # xlrd raises many types on damaged workbooks
        return _charts_only(path, ctx, f"Excel workbook unreadable: {type(exc).__name__}: {exc}")
    pages: list[Page] = []
    problems: list[str] = []
    budget = ctx.limits.max_text_chars
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
            except Exception as exc:
                problems.append(f"sheet {index + 1} unreadable: {type(exc).__name__}: {exc}")
                continue
            lines = [f"[sheet] {sheet.name}"]
            rows: list[tuple[str, ...]] = []
            for r in range(sheet.nrows):
                cells = [_cell(book, c) for c in sheet.row(r)]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    lines.append("\t".join(cells))
                    budget -= len(lines[-1])
                    if len(rows) < MAX_TABLE_ROWS:
                        rows.append(tuple(cells))
                if budget < 0:
                    problems.append(f"cells cut at {ctx.limits.max_text_chars} characters")
                    break
            tables = (Table(rows=tuple(rows)),) if rows else ()
            pages.append(Page(index + 1, "\n".join(lines), tables=tables))
            book.unload_sheet(index)
            if budget < 0:
                break
    finally:
        book.release_resources()
    meta: dict = {"sheets": len(pages), "biff_version": book.biff_version}
    if book.user_name:
        meta["last_modified_by"] = book.user_name
    charts = _charts_section(_workbook_stream(path), meta)
    text = "\n\n".join([*(p.text for p in pages), *([charts] if charts else [])])
    sink = ChildSink(ctx)
    workbook_objects(path, sink)
    meta.update(sink.metadata())
    return _pictures(path, ctx, _XLS_PICTURES).finish(Extracted(
        status=Status.PARTIAL if problems else Status.OK, text=text, reason="; ".join(problems) or None,
        pages=tuple(pages), metadata=meta, method=Method.TEXT_LAYER, children=tuple(sink.children)))


def _charts_only(path: Path, ctx: ExtractContext, reason: str) -> Extracted:
    """A workbook xlrd cannot open (e.g. the datasheet of a chart object): its charts' text, else corrupt."""
    meta: dict = {}
    charts = _charts_section(_workbook_stream(path), meta)
    if not charts:
        raise CorruptError(reason)
    return Extracted(status=Status.PARTIAL, text=charts, reason=f"{reason}; only its charts were read",
                     metadata=meta, method=Method.TEXT_LAYER)


def _cell(book, cell) -> str:
    """A cell as the sheet shows it: numbers and dates through their number format."""
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype not in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE):
        return str(cell.value)
    code = _format_code(book, cell.xf_index)
    if cell.ctype == xlrd.XL_CELL_DATE or is_date_code(code):
        try:
            return display(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode), code or "yyyy-mm-dd")
        except Exception:  # xlrd: serials before 1900 or past 9999
            pass
    return display(cell.value, code)


def _format_code(book, xf_index: int | None) -> str | None:
    """The number format code of an XF record (None without formatting information)."""
    try:
        key = book.xf_list[xf_index].format_key
        fmt = book.format_map.get(key)
        return fmt.format_str if fmt is not None else BUILTIN.get(key)
    except (AttributeError, IndexError, TypeError):
        return None
