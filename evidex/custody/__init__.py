"""Custody: the content-addressed evidence store, the item catalogue, the hash-chained custody log and receipts.

It owns every original and the record of who handed what over, on one machine (a store directory, SQLite, journal
files) or shared by many (an S3 bucket, PostgreSQL for the catalogue and the journals), behind the same interfaces
(``backends``). It may use the extractors' typed results and the settings; it never reads the index on a user's
behalf, and never imports pipeline, search, flows, web or cli.
"""
