"""The workload: model size and name, task, precision, context and batch."""

from __future__ import annotations

import re

from agent.parser.model import Task, Workload, WorkloadKind
from catalog.sizing import normalize_precision

_MODEL_FAMILIES = (
    r"llama|codellama|mistral|mixtral|qwen|qwq|gemma|phi|falcon|deepseek|gpt-oss|gpt-j|gpt-neox|yi|command-r|"
    r"starcoder|olmo|stable diffusion|sdxl|flux|whisper|bert|t5|bloom|mpt|nemotron|grok"
)
_MODEL_NAME_RE = re.compile(
    rf"\b({_MODEL_FAMILIES})\b(?:[\s-]*(?:\d+(?:\.\d+)?|v\d+(?:\.\d+)?|r1|mini|small|medium|large|instruct|chat|"
    r"coder|oss|xl|turbo)\b)*(?:[\s-]*(?:\d+x)?\d+(?:\.\d+)?\s*b\b)?"
)
# Sizes of models people name without a parameter count.
_IMPLIED_SIZES: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"mixtral[\s-]*8x22b"), 141.0),
    (re.compile(r"mixtral"), 46.7),
    (re.compile(r"deepseek[\s-]*(?:v3|r1)(?![\w.-]*\s*\d+(?:\.\d+)?\s*b\b)"), 671.0),
    (re.compile(r"phi[\s-]*3[\s-]*mini"), 3.8),
    (re.compile(r"sdxl"), 3.5),
)
_PARAMS_RE = re.compile(r"(?<![\w.$])-?(\d+(?:\.\d+)?)\s*(b|bn|billion|m|million)\b")
_PRECISION_RE = re.compile(
    r"\b(fp32|float32|tf32|bf16|bfloat16|fp16|float16|half precision|fp8|int8|8[- ]?bit|int4|4[- ]?bit|"
    r"nf4|fp4|"
    r"mxfp4|awq|gptq)\b"
)
_CONTEXT_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(k)?\s*(?:tokens?\s+)?(?:context|ctx|seq(?:uence)? len)"
    r"|\bcontext(?:\s+(?:length|window|size))?\s*(?:of|=|:)?\s*(\d+(?:\.\d+)?)\s*(k)?\b"
)


def _find_params(s: str) -> float | None:
    implied = next((size for pat, size in _IMPLIED_SIZES if pat.search(s)), None)
    moe = re.search(r"(?<![\w.])(\d+)x(\d+(?:\.\d+)?)b\b", s)
    if moe:
        # Experts share the attention layers, so NxM-B is ~0.83 of N*M (Mixtral 8x7B: 46.7B).
        return implied or round(int(moe.group(1)) * float(moe.group(2)) * 0.83, 1)
    for m in _PARAMS_RE.finditer(s):
        if m.group(2) in ("m", "million"):
            if re.match(r"^[\s-]*(?:param|model)", s[m.end() : m.end() + 20]):
                return float(m.group(1)) / 1000
            continue
        return float(m.group(1))
    return implied


_DIFFUSION_RE = re.compile(
    r"\b(?:sdxl|stable diffusion|flux(?:\.1)?|image generation|text-to-image|diffusion models?|generat\w* images?)\b"
)
_SPEECH_RE = re.compile(r"\b(?:whisper|transcri\w*|speech[- ]to[- ]text|asr|hours? of audio|audio hours?)\b")
_EMBEDDINGS_RE = re.compile(
    r"\b(?:embeddings?|embed(?:ding)?\s+(?:model|job)|sentence[- ]transformers?|bge|e5|minilm|vector index)\b|"
    r"\bembed\b[^.?!]{0,40}\b(?:documents?|docs|texts?|pages|chunks|passages|corpus)\b"
)
# "200 hours of audio", "1.5k hours of recordings", "300 audio hours": the audio, not the rental.
AUDIO_HOURS_RE = re.compile(
    r"(?<![\w.$])(\d+(?:\.\d+)?)\s*(k)?\s*(?:hours?|hrs?|h)\s+of\s+(?:audio|recordings?|speech|podcasts?|calls?|"
    r"interviews?|meetings?|voice|video)|(?<![\w.$])(\d+(?:\.\d+)?)\s*(k)?\s*audio\s+hours?"
)


def _kind(s: str, params: float | None, name: str | None) -> WorkloadKind | None:
    if _SPEECH_RE.search(s):
        return "speech"
    if _DIFFUSION_RE.search(s):
        return "diffusion"
    if _EMBEDDINGS_RE.search(s):
        return "embeddings"
    return "llm" if params is not None or name is not None else None


def find_workload(s: str) -> Workload | None:
    params = _find_params(s)
    name = _MODEL_NAME_RE.search(s)
    model_name = name.group(0).strip(" -") if name else None
    task: Task | None = None
    if re.search(r"\bq-?lora\b", s):
        task = "qlora"
    elif re.search(r"\blora\b|\badapters?\b|\bpeft\b", s):
        task = "lora"
    elif re.search(r"\bfrom scratch\b|\bpre-?train(?:ing|ed)?\b", s):
        task = "pre-train"
    elif re.search(r"\bfine[- ]?tun(?:e|es|ed|ing)\b|\bsft\b|\binstruction[- ]tun", s):
        task = "fine-tune"
    elif re.search(r"\btrain(?:ing)?\b", s) and (params is not None or model_name is not None):
        task = "pre-train"
    elif re.search(r"\b(?:serv(?:e|ing)|inference|host(?:ing)?|deploy(?:ing)?|endpoint|chatbot)\b", s) or (
        model_name is not None and re.search(r"\brun(?:ning)?\b", s)
    ):
        task = "inference"
    precision: str | None = None
    pm = _PRECISION_RE.search(s)
    if pm:
        try:
            precision = normalize_precision(pm.group(1).replace("half precision", "half"))
        except ValueError:
            precision = None
    context: int | None = None
    cm = _CONTEXT_RE.search(s)
    if cm:
        number, kilo = (cm.group(1), cm.group(2)) if cm.group(1) else (cm.group(3), cm.group(4))
        context = int(float(number) * (1024 if kilo else 1))
    bm = re.search(r"\b(?:batch(?:\s*size)?|bs)\s*(?:of|=|:)?\s*(\d+)\b", s)
    batch = int(bm.group(1)) if bm else None
    kind = _kind(s, params, model_name)
    audio = AUDIO_HOURS_RE.search(s)
    audio_hours = None
    if audio is not None:
        number, kilo = (
            (audio.group(1), audio.group(2)) if audio.group(1) else (audio.group(3), audio.group(4))
        )
        audio_hours = float(number) * (1000 if kilo else 1)
    if kind in ("diffusion", "speech", "embeddings"):
        # Sized by what they are, not by a parameter count ("sdxl" implies 3.5B only for the LLM rules).
        params = None
        task = task if task in ("fine-tune", "lora", "qlora") else "inference"
    if params is None and task is None and model_name is None and kind is None:
        return None
    return Workload(
        model_params_b=params,
        task=task,
        precision=precision,
        context=context,
        batch=batch,
        model_name=model_name,
        kind=kind,
        audio_hours=audio_hours,
    )
