"""The cross-reference as a Prefect flow: kept current batch by batch, counting only what a landing changes.

The police (knpa) land a case first; a pipc batch marked "no cross-reference" before it lands and an unshared
fsc batch follow. Each landing counts its own batch's values within its ingest run (real Prefect, real
Elasticsearch), and ``xref_refresh`` is run by hand as a flow; the
police then see the fsc holding of their phone number — from the holder table, with no full run since — and
never the covert one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidex.pipeline.batch import BatchSpec, batch_key
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.xref import CrossReference, ExclusionList, HolderTable
from flows.runtime import run_ingest

pytestmark = pytest.mark.slow

PHONE = "010-4321-8765"    # knpa, then fsc
COVERT = "010-5555-1212"   # knpa, and a pipc batch kept out of cross-references
OWN = "010-9090-3434"      # knpa only
KNPA = User("kim", "knpa", ("investigator",))
FSC = User("choi", "fsc", ("investigator",))


def _folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def _flow_runs(name: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name])))


def test_a_landed_batch_of_another_agency_shows_up_in_the_first_agencys_xref(settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"topics_enabled": False, "ner_enabled": False})
    run_ingest(BatchSpec(_folder(tmp_path / "knpa", {
        "suspect.txt": f"용의자 휴대폰 {PHONE}. 제보자 {COVERT}. 사무실 {OWN}."}), "knpa", "K1"), settings)
    table = HolderTable(settings.data_dir)
    built = table.meta()
    assert built.get("complete") == "1", "the first landing fills the holder table (a full run)"
    xref = CrossReference(search_service(settings), settings.data_dir)
    first = xref.compute(KNPA, case_id="K1")
    assert first.source == "table" and first.values_checked == 3 and first.matches == []

    covert = BatchSpec(_folder(tmp_path / "covert", {"informant.txt": f"정보원 번호 {COVERT}"}), "pipc", "P9")
    ExclusionList(settings.data_dir).set(batch_key(covert).batch_id, "pipc", True)  # marked before it lands
    landed_covert = run_ingest(covert, settings)
    fsc = run_ingest(BatchSpec(_folder(tmp_path / "fsc", {
        "ledger.txt": f"부정 결제 계좌 명의자 연락처 {PHONE}", "other.txt": "가맹점 번호 010-1111-2222"}),
        "fsc", "F1"), settings)
    for summary in (landed_covert, fsc):
        assert not [n for n in summary.notes if "cross-reference" in n], summary.notes

    after = table.meta()
    assert after["built"] == built["built"] and after["complete"] == "1"  # no full run: incremental landings
    seen = xref.compute(KNPA, case_id="K1")
    assert seen.source == "table"
    assert [(m.value, m.other_agencies, m.own_count) for m in seen.matches] == [("010-****-8765", {"fsc": 1}, 1)]
    # the same value's count changed for the other side as well: fsc now sees what the police hold
    theirs = xref.compute(FSC, case_id="F1")
    assert [(m.value, m.other_agencies) for m in theirs.matches] == [("010-****-8765", {"knpa": 1})]
    # nothing of the covert batch, for anyone else
    assert not [m for m in seen.matches if m.value.endswith("1212")]

    # the flow run by hand on one batch counts that batch's values only; a full run agrees with it
    from flows.xref_flow import run_xref_refresh  # Prefect imported only after the session configured it

    again = run_xref_refresh(settings, [fsc.batch_id])
    assert again.mode == "incremental" and again.values == {"pii_hashes": 2, "xref_keys": 0}
    assert again.still_held == 2
    full = run_xref_refresh(settings)
    assert full.mode == "full" and full.values["pii_hashes"] == 4  # distinct: 3 of the police, 1 more of fsc
    assert [(m.value, m.other_agencies) for m in xref.compute(KNPA, case_id="K1").matches] == \
        [("010-****-8765", {"fsc": 1})]
    # the landings counted within their own ingest runs (the table above is theirs); the two by hand are
    # runs of the flow in Prefect
    runs = _flow_runs("xref_refresh")
    assert len(runs) >= 2 and all(r.state and r.state.is_completed() for r in runs)
