"""Benchmarks that print figures (not tests): search latency, ingestion throughput, HTTP under load.

Run them all with ``python -m bench.run_all`` (``make bench``); the figures and the commands that
produced them are recorded in ``docs/BENCHMARKS.md``. Every benchmark uses databases of its own
(``gpubroker_bench_*`` on PostgreSQL, files under ``var/bench/`` for SQLite) and Redis DB 14, never
the test database.
"""
