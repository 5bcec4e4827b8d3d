"""Rule-of-thumb GPU memory sizing for LLM workloads.

Given a model size (billions of parameters), a task (inference, full fine-tune, LoRA, QLoRA or
pre-training), a numeric precision, a context length and a batch size, this module estimates how much
GPU memory the job needs in total, the smallest per-GPU memory that still works on one node, and how
many GPUs of each common family (at that family's default memory) it takes.  The numbers are the usual
back-of-the-envelope formulas (bytes per parameter, KV cache, activations with gradient checkpointing,
a fixed overhead margin); they are meant to steer a search for offers, not to replace a profiler.  The
module is pure: no I/O, no clock, no randomness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from catalog.gpus import GPUS

__all__ = [
    "COMMON_FAMILIES",
    "OVERHEAD",
    "PRECISIONS",
    "TASKS",
    "Requirement",
    "estimate_requirements",
    "normalize_precision",
]

TASKS: tuple[str, ...] = ("inference", "fine-tune", "lora", "qlora", "pre-train")

# Spelling variants people and configs use, mapped to one canonical name per storage width.
_PRECISION_ALIASES: dict[str, str] = {
    "fp32": "fp32",
    "float32": "fp32",
    "f32": "fp32",
    "tf32": "fp32",
    "full": "fp32",
    "bf16": "bf16",
    "bfloat16": "bf16",
    "fp16": "fp16",
    "float16": "fp16",
    "f16": "fp16",
    "half": "fp16",
    "16bit": "bf16",
    "16-bit": "bf16",
    "fp8": "fp8",
    "float8": "fp8",
    "e4m3": "fp8",
    "int8": "int8",
    "8bit": "int8",
    "8-bit": "int8",
    "q8": "int8",
    "llm.int8": "int8",
    "int4": "int4",
    "4bit": "int4",
    "4-bit": "int4",
    "q4": "int4",
    "nf4": "int4",
    "fp4": "int4",
    "mxfp4": "int4",
    "nvfp4": "int4",
    "awq": "int4",
    "gptq": "int4",
}

# 4-bit formats store per-group scales next to the nibbles, hence a bit more than 0.5 byte/param.
_BYTES_PER_PARAM: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.55,
}

PRECISIONS: tuple[str, ...] = tuple(_BYTES_PER_PARAM)

# Margin for CUDA context, allocator fragmentation and framework buffers; 20% is the usual rule.
OVERHEAD = 0.20

# Adam mixed precision: bf16 weights (2) + bf16 grads (2) + fp32 master copy, m and v (12).
_FULL_FINETUNE_BYTES = 16.0
# Pre-training usually also keeps fp32 gradient-accumulation buffers, which is the top of 16-18 B/param.
_PRETRAIN_BYTES = 18.0
# LoRA adapters on all linear layers at r=16 are roughly 0.5% of the base model; each trainable
# parameter costs bf16 weight + grad + fp32 Adam state like in a full fine-tune.
_ADAPTER_FRACTION = 0.005

# Families a planner commonly chooses between; the memory comes from the GPU catalogue.
COMMON_FAMILIES: tuple[str, ...] = (
    "B300",
    "B200",
    "H200",
    "H100",
    "A100",
    "MI300X",
    "L40S",
    "A6000",
    "RTX5090",
    "RTX4090",
    "A10G",
    "L4",
    "T4",
)

# Instances are sold as 1/2/4/8-GPU shapes and tensor parallelism wants a power of two; beyond one
# node, jobs scale in whole 8-GPU nodes.
_NODE_SIZE = 8
# A job this small is run on a single GPU rather than sharded, so that becomes the per-GPU floor.
_SINGLE_GPU_LIMIT_GB = 80.0


@dataclass(frozen=True)
class Requirement:
    """Estimated memory need of one workload.

    ``total_memory_gb`` is summed over all GPUs; ``min_gpu_memory_gb`` is the smallest per-GPU memory
    that still runs it on one node (None when it needs several nodes anyway);
    ``gpu_count_by_family`` gives, per common family, the GPU count at that family's default memory;
    ``rule`` spells out the arithmetic for a human.
    """

    total_memory_gb: float
    min_gpu_memory_gb: float | None
    gpu_count_by_family: dict[str, int]
    rule: str


@dataclass(frozen=True)
class _Shape:
    """Approximate transformer shape inferred from the parameter count."""

    d_model: int
    layers: int


def normalize_precision(precision: str) -> str:
    """Return the canonical precision name for ``precision`` or raise ValueError."""
    key = precision.strip().lower().replace("_", "").replace(" ", "")
    canonical = _PRECISION_ALIASES.get(key)
    if canonical is None:
        raise ValueError(
            f"unknown precision {precision!r}; expected one of {', '.join(sorted(_PRECISION_ALIASES))}"
        )
    return canonical


def _normalize_task(task: str) -> str:
    key = task.strip().lower().replace("_", "-").replace(" ", "-")
    aliases = {
        "finetune": "fine-tune",
        "fine-tuning": "fine-tune",
        "full-fine-tune": "fine-tune",
        "sft": "fine-tune",
        "pretrain": "pre-train",
        "pre-training": "pre-train",
        "pretraining": "pre-train",
        "training": "pre-train",
        "serve": "inference",
        "serving": "inference",
    }
    key = aliases.get(key, key)
    if key not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    return key


def _shape(params_b: float) -> _Shape:
    # params ~= 12 * layers * d_model^2 and published models keep d_model / layers ~= 128
    # (Llama 7B: 4096/32, 70B: 8192/80, 405B: 16384/126), which pins both down.
    d_model = (params_b * 1e9 * 128 / 12) ** (1 / 3)
    layers = max(1, round(d_model / 128))
    return _Shape(d_model=round(d_model), layers=layers)


def _kv_cache_gb(shape: _Shape, context: int, batch: int, kv_bytes: float) -> float:
    # K and V per layer per token; grouped-query attention keeps a quarter of the heads, which is
    # conservative for recent models (Llama 3 70B keeps an eighth).
    kv_dim = shape.d_model / 4
    return 2 * shape.layers * kv_dim * kv_bytes * context * batch / 1e9


def _activations_gb(shape: _Shape, context: int, batch: int) -> float:
    # Gradient checkpointing keeps one bf16 hidden state per layer, plus the full working set of the
    # layer being recomputed (~34 bytes per token per hidden unit with flash attention).
    tokens = context * batch
    return tokens * shape.d_model * (2 * shape.layers + 34) / 1e9


def _round_gpus(needed: float) -> int:
    count = max(1, math.ceil(needed - 1e-9))
    if count <= _NODE_SIZE:
        return 1 << (count - 1).bit_length()
    return math.ceil(count / _NODE_SIZE) * _NODE_SIZE


def _fmt(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def estimate_requirements(
    params_b: float,
    task: str = "inference",
    precision: str = "bf16",
    context: int = 4096,
    batch: int = 1,
) -> Requirement:
    """Estimate the GPU memory a ``params_b``-billion-parameter model needs for ``task``.

    ``precision`` is the storage precision of the weights for inference and the compute precision for
    training (full fine-tune and pre-training need a floating-point one; QLoRA always stores the frozen
    base in 4 or 8 bits).  Raises ValueError for non-positive sizes and unknown tasks or precisions.
    """
    if isinstance(params_b, bool) or not isinstance(params_b, int | float) or not math.isfinite(params_b):
        raise ValueError(f"params_b must be a finite number of billions of parameters, got {params_b!r}")
    if params_b <= 0:
        raise ValueError(f"params_b must be positive, got {params_b}")
    if params_b > 100_000:
        raise ValueError(f"params_b={params_b} is in billions; {params_b}B parameters is not a real model")
    if isinstance(context, bool) or not isinstance(context, int) or context <= 0:
        raise ValueError(f"context must be a positive number of tokens, got {context!r}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")
    task_name = _normalize_task(task)
    prec = normalize_precision(precision)
    shape = _shape(params_b)
    size = f"{_fmt(params_b)}B"
    parts: list[str] = []
    components: list[float] = []

    if task_name == "inference":
        bpp = _BYTES_PER_PARAM[prec]
        weights = params_b * bpp
        # The cache is kept in 16 bits unless the whole model runs in 8-bit float.
        kv_bytes = 1.0 if prec == "fp8" else 2.0
        kv = _kv_cache_gb(shape, context, batch, kv_bytes)
        components = [weights, kv]
        parts = [
            f"weights {size} x {_fmt(bpp)} bytes ({prec}) = {_fmt(weights)} GB",
            f"KV cache {_fmt(kv)} GB ({context} tokens x batch {batch})",
        ]
    elif task_name in ("fine-tune", "pre-train"):
        if prec in ("int8", "int4"):
            raise ValueError(
                f"{task_name} updates every weight and needs a floating-point precision, not {prec}; "
                "use task='qlora' to train adapters on a quantized model"
            )
        bpp = _PRETRAIN_BYTES if task_name == "pre-train" else _FULL_FINETUNE_BYTES
        state = params_b * bpp
        act = _activations_gb(shape, context, batch)
        components = [state, act]
        what = (
            "weights+grads+Adam+fp32 grad accumulation"
            if task_name == "pre-train"
            else "weights+grads+Adam mixed precision"
        )
        parts = [
            f"{what} {size} x {_fmt(bpp)} bytes = {_fmt(state)} GB",
            f"activations {_fmt(act)} GB (gradient checkpointing, {context} tokens x batch {batch})",
        ]
    else:
        if task_name == "lora":
            # The frozen base stays in the requested precision (bf16 unless quantized on purpose).
            bpp = _BYTES_PER_PARAM[prec]
            base_label = prec
        else:
            # QLoRA's point is a 4-bit NF4 base; an 8-bit request is honoured, anything wider is the
            # compute dtype and does not change the storage.
            bpp = _BYTES_PER_PARAM["int8"] if prec in ("int8", "fp8") else _BYTES_PER_PARAM["int4"]
            base_label = "8-bit" if bpp == 1.0 else "4-bit NF4"
        base = params_b * bpp
        adapters = params_b * _ADAPTER_FRACTION * _FULL_FINETUNE_BYTES
        act = _activations_gb(shape, context, batch)
        components = [base, adapters, act]
        parts = [
            f"frozen weights {size} x {_fmt(bpp)} bytes ({base_label}) = {_fmt(base)} GB",
            f"LoRA adapters/optimizer ~{_ADAPTER_FRACTION:.1%} of params x 16 bytes = {_fmt(adapters)} GB",
            f"activations {_fmt(act)} GB (gradient checkpointing, {context} tokens x batch {batch})",
        ]

    subtotal = sum(components)
    total = round(subtotal * (1 + OVERHEAD), 1)
    counts: dict[str, int] = {}
    for family in COMMON_FAMILIES:
        model = GPUS.get(family)
        if model is None:
            continue
        counts[family] = _round_gpus(total / float(model.default_memory_gb))

    largest = max((float(GPUS[f].default_memory_gb) for f in counts), default=_SINGLE_GPU_LIMIT_GB)
    min_gpu: float | None
    if total <= _SINGLE_GPU_LIMIT_GB:
        min_gpu = total
    elif total <= _NODE_SIZE * largest:
        min_gpu = round(math.ceil(total / _NODE_SIZE * 10) / 10, 1)
    else:
        min_gpu = None

    rule = (
        f"{task_name}: "
        + " + ".join(parts)
        + f" = {_fmt(subtotal)} GB, + {OVERHEAD:.0%} overhead = {_fmt(total)} GB total; "
        + "GPU counts round up to 1/2/4/8 per node"
    )
    return Requirement(
        total_memory_gb=total,
        min_gpu_memory_gb=min_gpu,
        gpu_count_by_family=counts,
        rule=rule,
    )
