"""Hand-written realistic evaluation documents (``data/realistic_eval.txt``), never used for training or tuning."""

from __future__ import annotations

from pathlib import Path

from models.topics.corpus import Example
from models.topics.errors import LabelError
from models.topics.taxonomy import Taxonomy

REALISTIC_PATH = Path(__file__).with_name("data") / "realistic_eval.txt"
_RECORD = "=== "


def load_realistic(path: Path = REALISTIC_PATH, taxonomy: Taxonomy | None = None) -> list[Example]:
    """The hand-written documents as examples; ``source`` is ``hand:<register>`` (e-mail, chat, minutes…).

    Raises:
        LabelError: a record line is malformed or (with ``taxonomy``) names an unknown topic.
    """
    examples: list[Example] = []
    head: list[str] | None = None
    body: list[str] = []

    def close() -> None:
        if head is not None:
            doc_id, labels, lang, register = head
            names = () if labels == "-" else tuple(sorted(x.strip() for x in labels.split(",")))
            if taxonomy is not None and not set(names) <= set(taxonomy.ids):
                raise LabelError(f"{doc_id}: unknown topic(s) {sorted(set(names) - set(taxonomy.ids))}", "T202")
            examples.append(Example("\n".join(body).strip(), names, doc_id, "realistic", lang, f"hand:{register}"))

    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(_RECORD):
            close()
            fields = [x.strip() for x in line[len(_RECORD):].split("|")]
            if len(fields) != 4 or not all(fields):
                raise LabelError(f"{path}:{number}: record line needs 'id | topics | lang | register'", "T205")
            head, body = fields, []
        elif head is not None:
            body.append(line)
    close()
    return examples
