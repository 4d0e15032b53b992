"""``python -m models.topics``: see ``models.topics.cli``."""

from models.topics.cli import main

main()
