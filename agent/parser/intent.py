"""The main ask of a message: offers, a comparison, a cost, code, or knowledge."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.parser.model import Intent, ParsedRequest

_IAC_RE = re.compile(
    r"\bterraform\w*|\btf\b|\.tf\b|\bhcl\b|\biac\b|\binfra(?:structure)?[- ]as[- ]code\b|\bpulumi\b|\bopentofu\b"
)
# Verbs that ask for offers.  "need"/"want" are left out: "I need the terraform" is not a search.
_FIND_VERB_RE = re.compile(
    r"\b(?:find|search|show|list|recommend\w*|looking for|look for|get me|gimme|book|where can i|suggest|"
    r"who has|"
    r"do you have|have you got|(?:is|are) there (?:any|some))\b"
)
# Any word pointing at offers, including nouns that may be the subject of a cost question
# ("how much would the cheapest cost?").
_FIND_RE = re.compile(
    r"\b(?:find|search|show|list|recommend\w*|looking for|look for|cheapest|lowest[- ]pric(?:e|ed)|best (?:price|deal|"
    r"option|offer)s?|options?|offers?|available|availability|deals?|book|what'?s out there|who has|"
    r"where can i|get me|gimme|any\b[^.?]*\b(?:left|for under|under|below)|suggest|do you have|have you got|"
    r"(?:is|are) there (?:any|some))\b"
)
# Cues that name a side-by-side on their own ...
_COMPARE_EXPLICIT_RE = re.compile(
    r"\bcompar(?:e|es|ed|ing|ison)\b|\bvs\.?(?!\w)|\bversus\b|\bhead[- ]to[- ]head\b|\bcontrast(?:ing)?\b|"
    r"\bside[- ]by[- ]side\b|\bprice difference\b|\bdifference in (?:price|cost)s?\b"
)
# ... and cues that do so only between two named GPUs or providers.  Alternatives with a question
# about them ("H100 or H200 - which one ...", "lambda or nebius: who has cheaper H100s?", "should I
# pick A100 or H100") are a comparison; alternatives alone ("an L4 or A10G under $1/h") are a search.
_COMPARE_RE = re.compile(
    r"\bdifferences? (?:in [\w\s]+ )?between\b|"
    r"\b(?:which|who)(?: is| one is|'s| one'?s| has| have| offers?| gives?) (?:the )?(?:better|faster|cheaper|"
    r"lower|more|less)\b|"
    r"\bwhich (?:one )?should i\b|\bbetter value\b|\bworth it over\b|\bworth (?:the|paying)\b[^?]*\bover\b|"
    r"\bstacks? up (?:against|to)\b|\bdifferent from\b|"
    r"\b(?:better|faster|cheaper|slower|pricier|more expensive|less expensive)(?:\s+[\w-]+){0,2}\s+than\b|"
    r"\bor\b[^?]*\bbetter\b|\bagainst\b|"
    r"\b(?:is it|would it be|will it be|is that|which is|which one is|what'?s)\s+(?:\w+\s+)?(?:cheaper|better|faster|"
    r"more cost[- ](?:efficient|effective)|more economical)\b[^?]*\bor\b|"
    r"(?<=\s)v\.?(?=\s)|\bpros and cons\b|\btrade-?offs?\b|"
    r"\b(?:should|shall|do|would) (?:i|we)\s+(?:\w+\s+)?(?:pick|choose|go (?:with|for)|opt for|get|rent|use|take)\b"
    r"[^?]*\bor\b|"
    r"\bwhich\b[^?]*\bor\b|\bor\b[^?]*\bwhich\b"
)
# How prices move, in the forms a question uses ("will ... drop", "are prices stabilizing").
_PRICE_MOVES = (
    r"(?:drop|dip|fall|rise|increase|decrease|climb|decline|spike|crash|soar|sink|stabili[sz]|level(?:l)?|"
    r"flatten|bottom|peak|recover|tank|plummet|jump)(?:s|es|e|ed|ing)?(?: off| out)?"
)
_FORECAST_RE = re.compile(
    r"\bhow much (?:will|would|does|do|is|are|for|to|money|it|would it|will it|'d)\b|"
    r"\bhow (?:expensive|pricey|costly)\b|\bhow many (?:dollars|bucks|usd|euros)\b|"
    r"\bwhat (?:will|would|does|do)\b[^?]*\b(?:cost|run me)\b|\bcost (?:of|me)\b|\bestimat\w*|"
    r"\bwhat (?:would|will|do|does|should|might) (?:i|we|it|that|this) (?:pay|spend|owe)\b|"
    # "total cost", "monthly bill", "what's the hourly and daily cost", "approx cost"
    r"\b(?:total|overall|monthly|weekly|daily|hourly|approx(?:imate)?|rough|expected|estimated) "
    r"(?:cost|spend|bill|price tag)\b|"
    r"\bwhat(?:'?s| is| will be| would be)? (?:the |my |our )?(?:(?:hourly|daily|weekly|monthly|total|overall|"
    r"and)\s+)*(?:(?:cost|price tag|bill|spend)s?\b|total(?=\s*(?:$|[?.!,]|for\b|if\b|when\b|of (?:running|renting))))|"
    r"\bforecast\w*|\bpredict\w*|\btrend\w*|\boutlook\b|\bprojected\b|\bprojection\b|\bballpark\b|"
    r"\bquote (?:me|us|for)\b|\bgo(?:ing)? (?:up|down)\b|"
    rf"\b(?:will|going to|gonna|expect)\b[^?]*\b(?:{_PRICE_MOVES}|get cheaper|cheaper)\b|"
    rf"\bprices?\b[^.?]{{0,30}}\b(?:{_PRICE_MOVES})\b|"
    r"\bhow (?:long|many (?:hours|days|weeks|months))\b[^?]{0,40}?\b(?:can|could|would|will)\s+(?:i|we)\s+(?:\w+\s+)?"
    r"(?:run|rent|last|afford|get|buy|keep|use|have)\b|\bset (?:me|us) back\b|"
    r"\bcost (?:breakdown|estimate|analysis|calculation|summary|projection)\b|\bhow much\s*\?|"
    r"\bprices?\b[^.?]{0,30}\b(?:heading|headed|moving|direction)\b|"
    r"\bget cheaper\b|\bprices? (?:history|forecast|prediction)\b|\bbudget check\b|\brun me\b|\bthe damage\b|"
    r"\bhow many hours\b|\bexpected\b[^?]*\bprice|\bcost me\b|\bcosts? (?:to|for)\b|"
    # "what's the price gonna be next week", "H100 prices over the coming month"
    r"\bprices?\b[^.?]{0,30}\b(?:gonna|going to|will)\s+be\b|"
    r"\bprices?\b[^.?]{0,30}\b(?:next|coming|upcoming) (?:week|month|quarter|year)s?\b|"
    r"\bhow much (?:in total|total|overall|altogether)\b|\bhow much per (?:month|week|day|hour)s?\b"
)
# A cost word that states a ceiling ("total cost not above $12/h", "monthly spend under $500") is a
# budget, not a cost question.
_COST_CEILING_AFTER_RE = re.compile(
    r"\s*(?:[\w']+\s+){0,3}?(?:(?:should|must|needs? to|has to)\s+(?:be\s+)?(?:stay\s+)?)?"
    r"(?:(?:not (?:above|over|exceed\w*|more than)|no more than|under|below|max(?:imum)?|at most|within|"
    r"less than|up to|capped at|limited to)\b|<)"
)
# "how much VRAM does ..." is a sizing question, not a cost one.
_NOT_COST_RE = re.compile(r"\bhow much (?:v?ram|memory|gpu memory|hbm|bandwidth|compute|context)\b")
# Openers that may come before a question word: "roughly how many GB ...", "quick question: what ...".
_QUESTION_LEAD = (
    r"(?:(?:ok|okay|so|hey|hi|hello|hmm+|btw|roughly|approximately|approx|quick question|just curious|"
    r"curious|honestly|also|and|sorry|please)\W+)*"
)
_EXPLAIN_RE = re.compile(
    rf"^\s*{_QUESTION_LEAD}(?:what|what's|whats|why|how|does|do|is|are|can|could|should|explain|"
    r"eli5|define|tell me about|help me understand|when)\b|\bexplain\b|\beli5\b|\bdifference between\b|"
    r"\bwhat (?:is|are|does) (?:a |an |the )?\w+|\bhow does\b|\bwhy\b|"
    r"\btell me (?:what|why|how|when|whether|if)\b|\b(?:i'?d like to|i want to|want to) (?:know|understand)\b|"
    r"\bi (?:wonder|was wondering)\b|"
    # a choice between techniques, not between offers: "which precision should I use, bf16 or fp8?"
    r"\bwhich (?:precision|dtype|data ?type|quantization|quant|format|parallelism|framework|library|"
    r"optimizer|strategy|technique|method|batch size|context length|inference (?:engine|server))\b"
)
# A yes/no question about a hardware or software feature ("is NVLink available on the L40S?", "does
# the A10G support bf16?") asks for knowledge even when it says "available".
_FEATURE_QUESTION_RE = re.compile(
    rf"^\s*{_QUESTION_LEAD}(?:is|are|does|do|can|could|will)\b[^?]*\b(?:nvlink|nvswitch|mig|fp8|fp4|bf16|fp16|"
    r"tf32|ecc|infiniband|tensor cores?|cuda|rocm|flash[- ]?attention|transformer engine|hbm\w*|gddr\w*|"
    r"pcie gen ?\d|sr-?iov|multi-instance|jax|tpus?|pytorch|tensorflow|vllm|xla|nccl|rdma|roce|int8|int4|"
    r"quantiz\w*|quantis\w*|lora|qlora|deepspeed|fsdp)\b"
)
# "export the cheapest L40S offer as terraform": a request that opens with making the code asks for the
# code, even when it names the offer to build it from.
_IAC_VERB_START_RE = re.compile(
    rf"^\s*{_QUESTION_LEAD}(?:(?:can|could|would|will) you\s+(?:please\s+)?|pls\s+|plz\s+)?"
    r"(?:export|generate|write|create|produce|output|convert|render|draft|emit|spit out)\b"
)
# "A100 or L40S for fine-tuning a 7B model?": alternatives joined by "or" in a question.
_ALTERNATIVES_QUESTION_RE = re.compile(r"\bor\b[^.!]*\?")
# "H100 or H200 for fine-tuning a 70B model": alternatives for a task ask which to take, question mark or not.
_ALTERNATIVES_FOR_TASK_RE = re.compile(r"\bor\b[^.!?]*\bfor\b")
# Cues of a question about meaning or mechanism.
_STRONG_EXPLAIN_RE = re.compile(
    r"\bwhat (?:does|do) [^?]{1,40}\bmean\b|\bwhat is meant by\b|\bhow (?:does|do) [^?]{1,40}\bwork\b|"
    r"^\s*(?:explain|eli5|define)\b|\b(?:get|gets|getting|be|being|is|are) (?:interrupted|preempted|terminated|"
    r"reclaimed|evicted)\b|^\W*what happens\b"
)
# A knowledge topic named without a search ("TPU v5e memory per chip?", "NVLink vs PCIe bandwidth"): a
# question for the knowledge base, not for the catalog.
_TOPIC_RE = re.compile(
    r"\b(?:tpus?(?: v\d\w*)?|hbm\w*|nvlink|nvswitch|infiniband|fp8|fp4|mig|lora|qlora|quantiz\w*|quantis\w*|jax|"
    r"rocm|cuda|nccl|rccl|rdma|roce|pytorch|tensorflow|xla|transformer engine|gddr\w*)\b"
)
# "does JAX run on TPUs", "PyTorch works on AMD?": where a framework runs.
_RUNS_ON_RE = re.compile(
    r"\b(?:jax|pytorch|tensorflow|cuda|rocm|vllm|xla|triton)\b[^?]*\b(?:runs?|work|works|supported|support)\b"
)
# Follow-ups that continue the thread's ask rather than ask a question of their own.
_CONTINUE_RE = re.compile(r"^\s*(?:and\s+)?(?:what|how) (?:about|if)\b|^\s*(?:and|but) (?:if|with|without)\b")
FOLLOW_UP_START_RE = re.compile(
    r"^\s*(?:and|also|ok|okay|now|then|what about|how about|or|actually|but|same)\b"
)


def _cost_cue(s: str) -> re.Match[str] | None:
    """The first cost-question cue that is not a stated ceiling."""
    for m in _FORECAST_RE.finditer(s):
        if not _COST_CEILING_AFTER_RE.match(s, m.end()):
            return m
    return None


@dataclass(frozen=True)
class Decision:
    intent: Intent
    wants_iac: bool
    cost_question: bool


def decide_intent(
    s: str,
    n_families: int,
    n_providers: int,
    searchy: bool,
    previous: ParsedRequest | None,
    budget_given: bool = False,
    has_task: bool = False,
) -> Decision:
    """The main ask.  ``searchy``: the message states a budget, a place or a provider;
    ``budget_given``: it states a price ceiling."""
    iac = _IAC_RE.search(s)
    find = _FIND_RE.search(s)
    forecast = None if _NOT_COST_RE.search(s) else _cost_cue(s)
    explicit_compare = _COMPARE_EXPLICIT_RE.search(s)
    compare = explicit_compare or _COMPARE_RE.search(s)
    cost_question = forecast is not None

    # The code is the main ask unless a search, comparison or cost question comes first and the code
    # is an add-on ("find 8 H100s ... and give me the terraform").
    if iac is not None and (
        _IAC_VERB_START_RE.match(s)
        or not any(m is not None and m.start() < iac.start() for m in (find, compare, forecast))
    ):
        return Decision("terraform", True, cost_question)
    wants_iac = iac is not None
    # "difference between spot and on-demand" is a concept; between two GPUs it is a comparison.
    if compare is not None and (
        n_families >= 2 or n_providers >= 2 or (explicit_compare is not None and (n_families == 1 or searchy))
    ):
        return Decision("compare", wants_iac, cost_question)
    if forecast is not None and _FIND_VERB_RE.search(s) is None:
        return Decision("forecast", wants_iac, True)
    # Two GPUs offered as alternatives in a question of their own ("A100 or L40S for a 7B fine-tune?")
    # ask which to take; with a budget or place, or a search verb, they are alternatives to search.
    if (
        n_families >= 2
        and (_ALTERNATIVES_QUESTION_RE.search(s) or (has_task and _ALTERNATIVES_FOR_TASK_RE.search(s)))
        and not searchy
        and find is None
    ):
        return Decision("compare", wants_iac, cost_question)
    # What a word means or how something works is knowledge, whatever provider it is asked about.
    if _STRONG_EXPLAIN_RE.search(s) and find is None and not (budget_given or n_families):
        return Decision("explain", wants_iac, cost_question)
    # A question that names no budget, place or provider needs knowledge, not a search.
    if not searchy and (_FEATURE_QUESTION_RE.search(s) or (_RUNS_ON_RE.search(s) and find is None)):
        return Decision("explain", wants_iac, cost_question)
    if (
        _TOPIC_RE.search(s)
        and previous is None
        and not searchy
        and find is None
        and n_families == 0
        and forecast is None
    ):
        return Decision("explain", wants_iac, cost_question)
    if find is not None:
        return Decision("recommend", wants_iac, cost_question)
    if not searchy and not (previous is not None and _CONTINUE_RE.match(s)) and _EXPLAIN_RE.search(s):
        return Decision("explain", wants_iac, cost_question)
    if previous is not None:
        # A message without an ask of its own ("in germany", "make it spot") continues the thread's;
        # after an explanation the natural next step is a search.
        return Decision(
            "recommend" if previous.intent in ("explain", "unclear", "reset") else previous.intent,
            wants_iac,
            cost_question,
        )
    return Decision("recommend", wants_iac, cost_question)


def has_intent_cue(s: str) -> bool:
    """Whether the message asks for something in words, even without a value: offers, a comparison, a
    cost, code or an explanation."""
    return any(
        p.search(s) is not None
        for p in (
            _IAC_RE,
            _FIND_RE,
            _COMPARE_EXPLICIT_RE,
            _COMPARE_RE,
            _FORECAST_RE,
            _EXPLAIN_RE,
            _FEATURE_QUESTION_RE,
        )
    )


def continues(s: str) -> bool:
    """A follow-up that continues the thread's ask ("what about ...", "and with ...")."""
    return _CONTINUE_RE.match(s) is not None or FOLLOW_UP_START_RE.match(s) is not None


def has_intent_cue_beyond_question(s: str) -> bool:
    """An ask for offers, a comparison, a cost or code (a bare "what is ..." does not count)."""
    return any(
        p.search(s) is not None for p in (_IAC_RE, _FIND_RE, _COMPARE_EXPLICIT_RE, _FORECAST_RE, _TOPIC_RE)
    )
