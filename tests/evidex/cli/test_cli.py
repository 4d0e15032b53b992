"""The click CLI, in-process, on real files and the real node."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from evidex.cli import main


def test_enrich_masks_identifiers_unless_revealed(tmp_path: Path) -> None:
    runner = CliRunner()
    text = "담당자 연락처 010-2345-6789, 메일 kim.minsu@example.co.kr"
    args = ["--data-dir", str(tmp_path), "enrich", "-", "--no-ner", "--json"]
    masked = json.loads(runner.invoke(main, args, input=text, catch_exceptions=False).output)
    labels = {e["label"] for e in masked["entities"]}
    assert {"PHONE", "EMAIL"} <= labels
    assert "2345-6789" not in json.dumps(masked)
    revealed = runner.invoke(main, args + ["--reveal"], input=text, catch_exceptions=False).output
    assert "+821023456789" in revealed


def test_extract_prints_the_record(tmp_path: Path) -> None:
    sample = tmp_path / "메모.txt"
    sample.write_bytes("압수 목록: 노트북 2대".encode("cp949"))
    result = CliRunner().invoke(main, ["extract", str(sample), "--json"], catch_exceptions=False)
    record = json.loads(result.output)
    assert record["status"] == "ok"
    assert "노트북" in record["text"]


def test_search_and_ingest_commands(settings, tmp_path: Path) -> None:
    from evidex.samples import write_demo_batch

    batch = write_demo_batch(tmp_path / "b")
    env = {"EVIDEX_ES_DIR": str(settings.es_home), "EVIDEX_ES_INDEX_PREFIX": settings.es_index_prefix,
           "EVIDEX_HMAC_SECRET": "test-secret"}
    runner = CliRunner(env=env)
    base = ["--data-dir", str(settings.data_dir)]
    out = runner.invoke(main, base + ["ingest", str(batch), "--agency", "knpa", "--case", "C9", "--json"],
                        catch_exceptions=False)
    summary = json.loads(out.output[out.output.index("{"):])
    assert summary["indexed_new"] == summary["items_processed"] > 0
    found = runner.invoke(main, base + ["search", "쿠팡", "--json", "--as", "kim@knpa"], catch_exceptions=False)
    data = json.loads(found.output)
    assert data["total"] >= 2 and data["facets"]["agency"] == [["knpa", data["total"]]]
    other = runner.invoke(main, base + ["search", "쿠팡", "--json", "--as", "lee@moel"], catch_exceptions=False)
    assert json.loads(other.output)["total"] == 0
    verify = runner.invoke(main, base + ["verify"])
    assert verify.exit_code == 0, verify.output


def test_an_agency_topic_file_in_the_data_dir_joins_the_taxonomy(tmp_path: Path) -> None:
    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "taxonomy" / "kisa.toml").write_text(
        'version = 1\n[agencies.kisa]\nname_ko = "한국인터넷진흥원"\nname_en = "Korea Internet & Security Agency"\n'
        '\n[[topics]]\nid = "ad_data_brokers"\nname_ko = "광고용 데이터 제공"\n'
        'name_en = "Customer data shared with ad brokers"\nagencies = ["kisa"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "topics", "list", "--json"],
                                catch_exceptions=False)
    topics = {row["id"]: row for row in json.loads(result.output)}
    assert "ad_data_brokers" in topics and topics["ad_data_brokers"]["threshold"] is None
    assert "night_work_health" in topics


def test_extract_tree_shows_every_member_with_its_text(tmp_path: Path) -> None:
    import zipfile
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.org", "b@example.org", "압수물"
    mail.set_content("메일 본문: 장부 사본 첨부")
    mail.add_attachment("첨부 장부 내용 3건".encode("utf-8"), maintype="text", subtype="plain", filename="장부.txt")
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("메모/ledger.txt", "내부 메모: 송금 기록")
    outer = tmp_path / "exhibit.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "nested/inner.zip")
        archive.writestr("mail.eml", bytes(mail))
    text = CliRunner().invoke(main, ["extract", str(outer), "--tree"], catch_exceptions=False).output
    for expected in ("nested/inner.zip", "ledger.txt", "내부 메모: 송금 기록", "mail.eml", "메일 본문", "장부.txt",
                     "첨부 장부 내용 3건"):
        assert expected in text, (expected, text)
    assert str(tmp_path) not in text.replace(str(outer), "")  # no temporary paths
    tree = json.loads(CliRunner().invoke(main, ["extract", str(outer), "--tree", "--json"],
                                         catch_exceptions=False).output)
    names = [m["name"] for m in tree["members"]]
    assert any("inner.zip" in n for n in names) and any("mail.eml" in n for n in names)


def test_library_warnings_of_a_command_go_to_the_run_log(tmp_path: Path, capsys) -> None:
    """What a library warns while ``extract``, ``enrich`` or ``classify`` reads a file goes to the run log, and
    the console gets one line saying how many and where, not the warnings."""
    import warnings

    import click

    from evidex.cli.tools import warnings_to_log
    from evidex.settings import Settings

    ctx = click.Context(click.Command("extract"), obj={"settings": Settings(data_dir=tmp_path / "data")})
    with warnings_to_log(ctx, "extract"):
        warnings.warn("Palette images with Transparency expressed in bytes", UserWarning)
        warnings.warn("an old API", DeprecationWarning)
    err = capsys.readouterr().err
    log = tmp_path / "data" / "logs" / "pipeline.log"
    assert "Palette images" not in err and "2 library warnings written to" in err and str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "extract: UserWarning: Palette images" in text and "DeprecationWarning: an old API" in text
    with warnings_to_log(ctx, "extract"):
        pass
    assert capsys.readouterr().err == ""
