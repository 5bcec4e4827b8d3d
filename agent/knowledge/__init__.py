"""The assistant's knowledge base: sourced passages about GPUs, frameworks, sizing, spot and networks.

Every passage carries the URL of the public documentation it was written from. The passages live in
``passages.jsonl`` beside this file and are loaded into the database by ``gpubroker migrate``
(:func:`agent.knowledge.service.load`); :func:`agent.knowledge.service.search` finds them: hybrid
(pgvector cosine plus full text, fused by reciprocal rank) on PostgreSQL, FTS5 BM25 on SQLite.
"""
