"""Errors of the topics package, each with a stable code.

    TopicsError                 (base; ``code`` is stable, ``str()`` says what to fix)
    ├── TaxonomyError           T1xx  taxonomy files: duplicates, unknown fields, unknown agencies
    ├── LabelError              T2xx  training examples: unknown topic ids, empty corpus
    └── ArtifactError           T3xx  model artifacts: missing files, incompatible format
"""

from __future__ import annotations


class TopicsError(Exception):
    """Base of every error raised by ``models.topics``."""

    code = "T000"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {super().__str__()}"


class TaxonomyError(TopicsError):
    """A taxonomy file is malformed or conflicts with another one."""

    code = "T100"


class LabelError(TopicsError):
    """Training examples refer to topics the taxonomy does not define, or are unusable."""

    code = "T200"


class ArtifactError(TopicsError):
    """A model artifact directory is missing, incomplete or of an unknown format."""

    code = "T300"
