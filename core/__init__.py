"""Cross-cutting building blocks: settings, database, cache, event bus, errors, observability.

Imports nothing else of GPUBroker; every domain package builds on it.
"""
