"""Evidex, the application: settings at the top, then rooms by responsibility.

Imports run one way: ``cli``/``web`` → ``flows`` → ``pipeline``/``search`` → ``custody``/``node`` →
``extractors``/``models``/``index_config``; ``tests/test_layers.py`` checks it.
"""
