"""CPU time of one knowledge search (``agent.knowledge.service.search``), hybrid on PostgreSQL with pgvector.

Runs ``--questions`` questions through the search ``--rounds`` times on the bench database of
``bench/bench_http.py`` (made and loaded if missing), each search in a session of its own, and prints the
median and quartiles of the CPU time per search. The embedding model is loaded and warmed up before timing.
The first round asks each question for the first time in this process; later rounds ask again, so
``--fresh`` times only first askings by making each round's questions distinct.

    PYTHONPATH=. .venv/bin/python -m bench.bench_knowledge            # questions asked again
    PYTHONPATH=. .venv/bin/python -m bench.bench_knowledge --fresh    # every question new
    PYTHONPATH=../other-tree .venv/bin/python -m bench.bench_knowledge  # another tree's code, same database
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.bench_http import DB_NAME, ensure_database

QUESTIONS = [
    "what is a spot instance",
    "how do I get an invoice in euros",
    "what does interruptible mean",
    "how is the price forecast made",
    "can I pay by card",
    "what is SXM versus PCIe",
]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--fresh", action="store_true", help="a new wording of every question in every round")
    p.add_argument("--database", default=DB_NAME)
    args = p.parse_args(argv)

    from agent.knowledge import service
    from agent.knowledge.embeddings import _load
    from core.db import make_engine, make_session_factory

    factory = make_session_factory(make_engine(ensure_database(False, args.database)))
    model = _load()
    if model is None:
        raise SystemExit("the embedding model is not installed (the knowledge extra)")
    model.embed(["warm-up", "of the model"])

    per_search = []
    for r in range(args.rounds):
        questions = [f"{q} ({r})" if args.fresh else q for q in QUESTIONS]
        started = time.process_time()
        for q in questions:
            with factory() as session:
                service.search(session, q, embedder=model)
        per_search.append((time.process_time() - started) / len(questions) * 1000)
    q1, median, q3 = statistics.quantiles(per_search, n=4)
    print(
        f"knowledge search, {'new' if args.fresh else 'repeated'} questions: CPU ms per search "
        f"median {median:.2f}  p25 {q1:.2f}  p75 {q3:.2f}  ({args.rounds} rounds of {len(QUESTIONS)})"
    )


if __name__ == "__main__":
    main()
