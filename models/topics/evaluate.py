"""``python -m models.topics.evaluate``: print the evaluation report (see ``models.topics.evaluation``)."""

from models.topics.evaluation import main

if __name__ == "__main__":
    main()
