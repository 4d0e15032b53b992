"""Ingestion steps free of Prefect: batch registration, chunk processing, worker processes, bulk indexing, drop folders.

It turns stored originals into index documents through extractors, models and index_config. It never imports
Prefect, flows, search, web or cli, and never reads the index on a user's behalf.
"""
