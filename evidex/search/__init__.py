"""The read side: the one query builder with its access filter, users and tokens, snippets and masking, labels, audit.

Every read on a user's behalf goes through ``evidex.search.builder.SearchService``. It may use custody and the node
client; it never imports pipeline, flows, web or cli.
"""
