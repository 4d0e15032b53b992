"""Custody: the content-addressed evidence store, the item catalogue, the hash-chained custody log and receipts.

It owns every original and who handed what over, on one machine or shared (S3, PostgreSQL) behind one interface.
It may use the extractors' typed results and the settings; it never reads the index on a user's behalf, and never
imports pipeline, search, flows, web or cli.
"""
