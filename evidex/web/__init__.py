"""The HTTP API (FastAPI) and its page: authentication in front of the one query builder.

It reads only through ``evidex.search``; it never talks to Elasticsearch itself and never imports the cli.
"""
