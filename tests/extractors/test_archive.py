"""Archives: member names and paths, links, limits (bomb, nesting, count)."""

from __future__ import annotations

import dataclasses
import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import py7zr
import pytest

from extractors import Limits, Status, extract_path


def _cp949_zip(path: Path, members: dict[str, bytes], codec: str = "cp949") -> None:
    """A ZIP written the way Korean Windows does: CP949 names (or ``codec``'s), no UTF-8 flag."""
    placeholders = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members.items()):
            raw = name.encode(codec)
            fake = (chr(ord("A") + i) * len(raw)).encode()  # one letter per member: no placeholder inside another
            placeholders[fake] = raw
            zf.writestr(fake.decode(), data)
    blob = path.read_bytes()
    for fake, raw in placeholders.items():
        blob = blob.replace(fake, raw)
    path.write_bytes(blob)


def test_cp949_member_names(tmp_path, ctx):
    z = tmp_path / "k.zip"
    _cp949_zip(z, {"보고서/회의록.txt": "회의록 내용".encode("cp949"), "계약서.hwp": b"x"})
    r = extract_path(z, ctx)
    assert r.status == Status.OK
    assert [c.inner_path for c in r.children] == ["보고서/회의록.txt", "계약서.hwp"]
    assert "보고서/회의록.txt" in r.text


NAMES = {  # names as other systems' zip tools write them without the UTF-8 flag
    "cp949": ["보고서/회의록(會議錄).txt", "㈜쿠팡_계약서.pdf", "5·18 기념.hwp", "LG전자_납품.xlsx", "똠방각하.txt"],
    "utf-8": ["고객명단.xlsx", "Jūrmala.txt", "Résumé.pdf", "売上報告書.xlsx"],
    "gbk": ["会议记录2024.docx", "售后服务合同.pdf", "【重要】会议纪要.docx"],
    "cp932": ["売上報告書.xlsx", "ファイル一覧.txt", "顧客リスト_2025.xlsx", "「報告書」.doc"],
    "big5": ["財務報表.pdf", "營業報告.doc"],
    "cp437": ["Résumé café.txt", "Zürich Büro.txt", "España.doc"],
    "cp866": ["ИНН_список.xls", "Договор №5.pdf"],
}


@pytest.mark.parametrize("codec", sorted(NAMES))
def test_member_names_in_other_code_pages(tmp_path, ctx, codec):
    """Names written in another system's code page come out as written, not as CP949 or CP437 mojibake."""
    z = tmp_path / f"{codec}.zip"
    _cp949_zip(z, {name: b"x" for name in NAMES[codec]}, codec)
    r = extract_path(z, ctx)
    assert [c.inner_path for c in r.children] == NAMES[codec]


def test_korean_names_stay_korean():
    """Every one of 2,000 Korean names made of real words (CP949 and flag-less UTF-8 bytes) reads back as it was."""
    import random

    from extractors.archive.names import decode_name

    words = ("고객", "개인정보", "유출", "현황", "최종", "결제내역", "진술서", "회의록", "보고서", "쿠팡", "서버", "접속",
             "기록", "큰", "첫", "채권", "혼합", "홍보", "친구", "째깍", "협력사", "배송지", "야간", "근무표", "2024",
             "v2", "QT", "(주)", "백업", "세무조사")
    rng = random.Random(9)
    for _ in range(2000):
        name = "_".join(rng.choice(words) for _ in range(rng.randint(1, 3))) + rng.choice([".hwp", ".xlsx", ""])
        for codec in ("cp949", "utf-8"):
            assert decode_name(name.encode(codec)) == name, (codec, name)


def test_tar_member_names_in_cp949(tmp_path, ctx):
    import io
    import tarfile

    t = tmp_path / "k.tar"
    with tarfile.open(t, "w", format=tarfile.GNU_FORMAT, encoding="cp949") as tf:
        info = tarfile.TarInfo("증거목록/압수물_목록.txt")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"abc"))
    r = extract_path(t, ctx)
    assert [c.inner_path for c in r.children] == ["증거목록/압수물_목록.txt"]


def test_path_traversal_member_never_escapes(tmp_path, ctx):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../../../tmp/evil.txt", b"evil")
        zf.writestr("/etc/passwd", b"root")
        zf.writestr("C:\\Windows\\x.txt", b"win")
    r = extract_path(z, ctx)
    root = ctx.tmp_dir.resolve()
    assert {c.inner_path for c in r.children} == {"tmp/evil.txt", "etc/passwd", "Windows/x.txt"}
    for c in r.children:
        assert c.path.resolve().is_relative_to(root)
    assert len(r.metadata["warnings"]) == 3


def test_zip_bomb_is_refused(tmp_path, ctx):
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"zeros{i}.bin", b"\0" * 60_000_000)
    r = extract_path(z, ctx)
    assert r.status == Status.TOO_LARGE and "200:1" in r.reason
    assert not r.children and not any(ctx.tmp_dir.rglob("*.bin"))


def test_lying_sizes_stopped_while_streaming(tmp_path, ctx):
    """A gzip whose content expands far past the ratio: cut while streaming."""
    g = tmp_path / "big.txt.gz"
    g.write_bytes(gzip.compress(b"\0" * 30_000_000))
    r = extract_path(g, ctx)
    assert r.status == Status.TOO_LARGE and "ratio" in r.reason


def test_total_size_and_member_count_limits(tmp_path, ctx):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.txt", f"file {i}".encode())
    small = dataclasses.replace(ctx, limits=Limits(archive_max_members=10))
    r = extract_path(z, small)
    assert r.status == Status.PARTIAL and len(r.children) == 10 and len(r.metadata["skipped"]) == 20


def test_fifty_deep_nested_archive_stops_at_depth_limit(tmp_path, ctx):
    data = b"innermost text"
    name = "leaf.txt"
    for level in range(50):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"level{level}.zip"
    top = tmp_path / "nested.zip"
    top.write_bytes(data)
    # expand the way the flow does: feed children back with depth + 1
    current, depth, last = top, 0, None
    while True:
        c = dataclasses.replace(ctx, depth=depth)
        last = extract_path(current, c)
        if not last.children:
            break
        current, depth = last.children[0].path, depth + 1
    assert depth == ctx.limits.archive_max_depth
    assert last.status == Status.TOO_LARGE and "nested" in last.reason


def test_tar_links_and_devices_skipped(tmp_path, ctx):
    t = tmp_path / "a.tar.xz"
    with tarfile.open(t, "w:xz") as tf:
        info = tarfile.TarInfo("docs/메모.txt")
        payload = "메모".encode()
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
        for kind, link in ((tarfile.SYMTYPE, "/etc/shadow"), (tarfile.LNKTYPE, "docs/메모.txt")):
            li = tarfile.TarInfo(f"link{kind.decode()}")
            li.type, li.linkname = kind, link
            tf.addfile(li)
        dev = tarfile.TarInfo("dev/null")
        dev.type = tarfile.CHRTYPE
        tf.addfile(dev)
    r = extract_path(t, ctx)
    assert [c.inner_path for c in r.children] == ["docs/메모.txt"]
    assert r.status == Status.PARTIAL and len(r.metadata["skipped"]) == 3


def test_7z_and_single_streams(tmp_path, ctx):
    s = tmp_path / "a.7z"
    with py7zr.SevenZipFile(s, "w") as sz:
        sz.writestr("7z 안의 글".encode(), "폴더/글.txt")
    r = extract_path(s, ctx)
    assert r.status == Status.OK and r.children[0].inner_path == "폴더/글.txt"
    for suffix, opener in ((".bz2", "bz2"), (".xz", "lzma")):
        mod = __import__(opener)
        p = tmp_path / f"note.txt{suffix}"
        p.write_bytes(mod.compress("압축".encode()))
        out = extract_path(p, ctx)
        assert out.children[0].name == "note.txt" and out.children[0].path.read_text() == "압축"


def test_encrypted_7z_with_password(tmp_path, ctx):
    s = tmp_path / "secret.7z"
    with py7zr.SevenZipFile(s, "w", password="s3cret") as sz:
        sz.writestr(b"hidden", "h.txt")
    assert extract_path(s, ctx).status == Status.ENCRYPTED
    r = extract_path(s, dataclasses.replace(ctx, passwords=("no", "s3cret")))
    assert r.status == Status.OK and r.children[0].path.read_bytes() == b"hidden"


def test_truncated_zip_members_recovered(tmp_path, ctx):
    z = tmp_path / "whole.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", "첫 파일 " * 50)
        zf.writestr("b.txt", "둘째 파일 " * 50)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(z.read_bytes()[:-60])  # central directory lost
    r = extract_path(cut, ctx)
    assert r.status == Status.PARTIAL and "recovered" in r.reason
    assert [c.inner_path for c in r.children] == ["a.txt", "b.txt"]


def test_zipcrypto_member_with_batch_password(tmp_path, ctx):
    import shutil
    import subprocess

    import pytest

    if shutil.which("zip") is None:
        pytest.skip("needs the zip command (Debian: zip) to write a password-protected ZIP")
    (tmp_path / "ledger.txt").write_text("비밀 장부 secret ledger")
    z = tmp_path / "locked.zip"
    subprocess.run(["zip", "-q", "-P", "pw2024", str(z), "ledger.txt"], cwd=tmp_path, check=True)
    locked = extract_path(z, ctx)
    assert locked.status == Status.ENCRYPTED and not locked.children
    opened = extract_path(z, dataclasses.replace(ctx, passwords=("nope", "pw2024")))
    assert opened.status == Status.OK
    assert opened.children[0].path.read_text() == "비밀 장부 secret ledger"
