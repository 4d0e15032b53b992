"""The documentation is generated from the code and must be current; every setting and command is documented."""

from __future__ import annotations

from evidex.cli.docgen import outputs
from evidex.settings import Settings


def test_generated_docs_are_current() -> None:
    for path, text in outputs().items():
        assert path.is_file(), f"{path} is missing: run python -m evidex.cli.docgen"
        assert path.read_text(encoding="utf-8") == text, f"{path} is out of date: run python -m evidex.cli.docgen"


def test_every_setting_has_a_description() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []


def test_readme_names_the_two_commands_and_the_docs() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for needle in ("make demo", "make test", "docs/configuration.md", "docs/cli.md", "EVIDEX_ES_URL"):
        assert needle in readme
