"""The command line: a thin click layer, one module per verb group, and the generated reference.

It may call flows, pipeline, search, custody and node; nothing else imports it (the web app included).
"""

from evidex.cli.root import main

__all__ = ["main"]
