"""Tests of catalog.sizing: the memory rules of thumb behind workload-to-GPU sizing.

The numbers asserted are the well-known anchors (70B bf16 weights are 140 GB; full fine-tuning with
Adam costs at least 16 bytes per parameter; QLoRA puts a 70B model on one 80GB card) plus the
relations between tasks and precisions, the GPU-count rounding and the input validation.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from catalog.gpus import GPUS
from catalog.sizing import COMMON_FAMILIES, OVERHEAD, estimate_requirements, normalize_precision


def test_70b_inference_in_bf16_needs_more_than_its_weights() -> None:
    req = estimate_requirements(70)
    assert req.total_memory_gb > 140
    assert req.total_memory_gb >= 140 * (1 + OVERHEAD)
    # Too big for one 80GB card, fits one node of them.
    assert req.gpu_count_by_family["H100"] >= 2
    assert req.gpu_count_by_family["H100"] <= 8
    for part in ("70B", "bf16", "KV cache", "overhead"):
        assert part in req.rule


def test_qlora_70b_fits_one_80gb_gpu() -> None:
    req = estimate_requirements(70, task="qlora")
    assert req.total_memory_gb <= 80
    assert req.gpu_count_by_family["H100"] == 1
    assert req.gpu_count_by_family["A100"] == 1
    assert req.min_gpu_memory_gb is not None
    assert req.min_gpu_memory_gb <= 80
    assert "4-bit" in req.rule
    assert "LoRA adapters" in req.rule


def test_qlora_65b_fits_one_80gb_gpu() -> None:
    assert estimate_requirements(65, task="qlora").gpu_count_by_family["A100"] == 1


def test_tasks_order_as_expected() -> None:
    qlora = estimate_requirements(70, task="qlora").total_memory_gb
    lora = estimate_requirements(70, task="lora").total_memory_gb
    full = estimate_requirements(70, task="fine-tune").total_memory_gb
    pre = estimate_requirements(70, task="pre-train").total_memory_gb
    infer = estimate_requirements(70, task="inference").total_memory_gb
    assert qlora < lora < full < pre
    assert qlora < infer < full


def test_full_fine_tune_costs_at_least_16_bytes_per_parameter() -> None:
    req = estimate_requirements(7, task="fine-tune")
    assert req.total_memory_gb >= 7 * 16
    assert req.gpu_count_by_family["H100"] >= 2
    assert "Adam" in req.rule


def test_pre_training_adds_to_full_fine_tuning() -> None:
    assert estimate_requirements(1, task="pre-train").total_memory_gb > 1 * 18


def test_precision_scales_inference_weights() -> None:
    sizes = [estimate_requirements(13, precision=p).total_memory_gb for p in ("int4", "int8", "bf16", "fp32")]
    assert sizes == sorted(sizes)
    assert len(set(sizes)) == 4
    fp16 = estimate_requirements(13, precision="fp16").total_memory_gb
    assert fp16 == estimate_requirements(13).total_memory_gb


def test_small_models_fit_a_24gb_card() -> None:
    req = estimate_requirements(7)
    assert req.total_memory_gb < 24
    assert req.gpu_count_by_family["L4"] == 1
    assert req.gpu_count_by_family["RTX4090"] == 1
    assert req.min_gpu_memory_gb == req.total_memory_gb


def test_kv_cache_grows_with_context_and_batch() -> None:
    base = estimate_requirements(70).total_memory_gb
    longer = estimate_requirements(70, context=32768).total_memory_gb
    batched = estimate_requirements(70, context=32768, batch=8).total_memory_gb
    assert base < longer < batched


@pytest.mark.parametrize(
    ("params", "task"),
    [(0.5, "inference"), (7, "inference"), (70, "inference"), (405, "inference"), (70, "lora"),
     (70, "fine-tune"), (405, "fine-tune"), (13, "qlora"), (8, "pre-train")],
)  # fmt: skip
def test_gpu_counts_cover_the_total_in_node_shapes(params: float, task: str) -> None:
    req = estimate_requirements(params, task=task)
    assert set(req.gpu_count_by_family) == {f for f in COMMON_FAMILIES if f in GPUS}
    for family, count in req.gpu_count_by_family.items():
        assert count * GPUS[family].default_memory_gb >= req.total_memory_gb, family
        # 1, 2, 4 or 8 GPUs in a node, whole 8-GPU nodes beyond that.
        assert count in (1, 2, 4, 8) or count % 8 == 0, (family, count)
        smaller = count // 2 if count <= 8 else count - 8
        if count > 1:
            assert smaller * GPUS[family].default_memory_gb < req.total_memory_gb, (family, count)


def test_min_gpu_memory_is_a_single_node_share() -> None:
    req = estimate_requirements(70)
    assert req.min_gpu_memory_gb is not None
    assert math.isclose(req.min_gpu_memory_gb, req.total_memory_gb / 8, abs_tol=0.1)
    # Too big for any single node: no per-GPU floor, it is a multi-node job.
    assert estimate_requirements(1000, task="pre-train").min_gpu_memory_gb is None


def test_aliases_are_accepted() -> None:
    assert normalize_precision("BFloat16") == "bf16"
    assert normalize_precision("4-bit") == "int4"
    assert normalize_precision("AWQ") == "int4"
    finetune = estimate_requirements(7, task="finetune").total_memory_gb
    assert finetune == estimate_requirements(7, task="fine-tune").total_memory_gb


def test_requirement_is_frozen() -> None:
    req = estimate_requirements(7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.total_memory_gb = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"params_b": 0}, "positive"),
        ({"params_b": -7}, "positive"),
        ({"params_b": float("nan")}, "finite"),
        ({"params_b": float("inf")}, "finite"),
        ({"params_b": 7e12}, "billions"),
        ({"params_b": 7, "task": "dance"}, "unknown task"),
        ({"params_b": 7, "precision": "fp7"}, "unknown precision"),
        ({"params_b": 7, "task": "fine-tune", "precision": "int4"}, "qlora"),
        ({"params_b": 7, "context": 0}, "context"),
        ({"params_b": 7, "batch": 0}, "batch"),
    ],
)
def test_nonsense_input_is_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate_requirements(**kwargs)  # type: ignore[arg-type]
