"""Sizing of the workloads that a parameter count does not describe: image diffusion, speech recognition
and embeddings. Each rule is taken from a knowledge-base passage and returns its source URL with it.

- Diffusion: SDXL runs in FP16 on a 24 GB card (``size-sdxl``: 21.7 GB for a batch of four 1024x1024
  images on an A100); FLUX.1 [dev] is 12B parameters, 24 GB of transformer weights in BF16 alone,
  so 40 GB or more without CPU offloading (``size-flux``).
- Speech: Whisper large needs about 10 GB, turbo about 6 GB (``size-whisper``); faster-whisper
  transcribes about 14 hours of audio per GPU-hour with large-v2 on a V100S, openai/whisper about 2.9
  (``size-whisper-throughput``): audio hours divided by 14 are the GPU-hours the job is priced for.
- Embeddings: a sentence-embedding model fits on any GPU (``size-embeddings``); no memory floor.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from agent.knowledge.service import bundled

#: Hours of audio per GPU-hour (faster-whisper, large-v2, FP16, beam 5, on a V100S: 13 min in 54 s).
AUDIO_HOURS_PER_GPU_HOUR = 13 * 60 / 54
#: The same with openai/whisper (13 min in 4 min 30 s), quoted as the slow end.
AUDIO_HOURS_PER_GPU_HOUR_REFERENCE = 13 / 4.5


@dataclass(frozen=True)
class MediaRequirement:
    kind: str
    min_gpu_memory_gb: float
    rule: str
    passages: tuple[str, ...]
    gpu_hours: float | None = None
    sources: list[str] = field(default_factory=list)


def _urls(ids: tuple[str, ...]) -> list[str]:
    by_id = {p["id"]: p["source_url"] for p in bundled()}
    return [by_id[i] for i in ids if i in by_id]


def size_media(kind: str, model: str | None = None, audio_hours: float | None = None) -> MediaRequirement:
    """The per-GPU memory a diffusion, speech or embedding workload needs, and for speech the GPU-hours."""
    name = (model or "").lower()
    if kind == "diffusion":
        if "flux" in name:
            ids: tuple[str, ...] = ("size-flux",)
            req = MediaRequirement(
                kind,
                40.0,
                "FLUX.1 [dev] has 12B parameters, about 24 GB of weights in BF16 before its text "
                "encoders: a GPU with 40 GB or more runs it without CPU offloading",
                ids,
            )
        else:
            ids = ("size-sdxl",)
            req = MediaRequirement(
                kind,
                24.0,
                "SDXL (3.5B-parameter UNet) took 21.7 GB in FP16 for four 1024x1024 images on an "
                "A100: a 24 GB GPU runs it",
                ids,
            )
    elif kind == "speech":
        ids = ("size-whisper", "size-whisper-throughput")
        memory = 6.0 if "turbo" in name else 10.0
        gpu_hours = None
        rule = f"Whisper {'turbo' if memory == 6.0 else 'large'} needs about {memory:g} GB of GPU memory"
        if audio_hours:
            gpu_hours = math.ceil(audio_hours / AUDIO_HOURS_PER_GPU_HOUR * 10) / 10
            slow = math.ceil(audio_hours / AUDIO_HOURS_PER_GPU_HOUR_REFERENCE)
            rule += (
                f"; {audio_hours:g} h of audio take about {gpu_hours:g} GPU-hours with faster-whisper "
                f"(about 14 h of audio per GPU-hour on a V100S), up to {slow} with openai/whisper"
            )
        req = MediaRequirement(kind, memory, rule, ids, gpu_hours)
    elif kind == "embeddings":
        ids = ("size-embeddings",)
        req = MediaRequirement(
            kind,
            0.0,
            "sentence-embedding models are small (all-MiniLM-L6-v2: 22.7M parameters): any GPU "
            "holds one, so the cheapest offer will do",
            ids,
        )
    else:
        raise ValueError(f"unknown workload kind {kind!r}")
    return MediaRequirement(req.kind, req.min_gpu_memory_gb, req.rule, ids, req.gpu_hours, _urls(ids))
