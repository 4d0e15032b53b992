"""The local Elasticsearch node Evidex runs for itself, and the one factory of Elasticsearch clients.

It knows how to fetch, start, stop and reach a node; it knows nothing of documents, users or batches and imports
only the settings.
"""
