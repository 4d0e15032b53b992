"""Models: identifiers, named entities, topics. ``ARTIFACTS_DIR`` holds the shipped weights; naming it imports
nothing heavy, so a process that only needs a model's path (the ingest's coordinator) never loads scikit-learn."""

from pathlib import Path

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
