"""The HTTP API: `POST /v1/ask` answers with the JSON of `benefits-qa ask --json` (Answer.to_json),
`GET /healthz` says whether the index is there. Thin, like the CLI: it parses, gates and calls rag.

One Assistant per process, shared by every request; answering runs in the thread pool of the
server (anyio's, 40 threads), so slow answers do not hold up the event loop. Errors are JSON
{"error": ..., "hint": ...}. Nothing here logs a request body: a question never reaches a log.
"""
from __future__ import annotations

import logging
import math
from datetime import date

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from core.access import SlidingWindow, matching_key
from core.config import MAX_HISTORY_ITEMS, MAX_QUESTION_CHARS, MAX_REQUEST_BYTES, PREFIX, Settings
from core.errors import BenefitsQAError, frames_of
from rag.answer import Assistant
from rag.errors import QuestionTooLong
from rag.types import CRISIS

log = logging.getLogger("benefits_qa.api")

GATED = "/v1/"  # paths that need a key and count against the client's rate
_BODY_HINT = (f'Send {{"question": "...", "history": ["...", ...]}} as JSON: a question of at most '
              f"{MAX_QUESTION_CHARS} characters and at most {MAX_HISTORY_ITEMS} earlier questions.")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description=f"The employee's question (at most {MAX_QUESTION_CHARS} characters).")
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY_ITEMS,
                               description="The conversation's earlier questions, oldest first, "
                                           "so that a follow-up is understood.")


class CitationBody(BaseModel):
    n: int
    title: str
    source: str
    page: int | None = Field(description="1-based; null for documents without pages (then see place)")
    section: str
    snippet: str
    score: float
    place: str


class AskResponse(BaseModel):
    """The same object as `benefits-qa ask --json` prints."""
    answer: str = Field(description="Everything the employee reads: crisis resources first when the "
                                    "safety check found risk, then the cited answer, then notes.")
    citations: list[CitationBody]
    abstained: bool
    crisis: bool
    safety: str = Field(description="crisis | concern | distress | none")


class ErrorBody(BaseModel):
    error: str
    hint: str
    crisis: bool | None = Field(None, description="Only on a refused question: the safety check's outcome "
                                                  "(the error then opens with the resources).")
    safety: str | None = None


def error(status: int, message: str, hint: str, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": message, "hint": hint, **extra}, status_code=status, headers=headers)


class Gate:
    """ASGI middleware in front of the routes, in this order: an API key (when keys are set), the
    client's rate, the body's type (JSON) and size. It also turns an unexpected error into a 500
    whose log line carries the error's type and frames only."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.keys = settings.api_key_list
        self.rate = SlidingWindow(per_source=settings.api_requests_per_minute, total=None, window=60.0)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message):
            nonlocal started
            started = True
            await send(message)

        try:
            await self._gated(scope, receive, tracked_send)
        except Exception as err:  # the edge: no traceback text (it may quote a question) reaches the log
            log.error("unexpected %s while answering %s\n%s", type(err).__name__, scope.get("path"), frames_of(err))
            if not started:
                await error(500, "Internal error.", "Try again; if it persists, tell the maintainers "
                            "(the server's log has the details).")(scope, receive, send)

    async def _gated(self, scope, receive, send):
        if scope["path"].startswith(GATED):
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        headers = dict(scope["headers"])
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope["method"] == "POST" and kind and kind != b"application/json" and not kind.endswith(b"+json"):
            await error(415, "The body must be JSON.", "Send it with `Content-Type: application/json`. "
                        + _BODY_HINT)(scope, receive, send)
            return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            await self._too_large()(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_REQUEST_BYTES:
                await self._too_large()(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _refusal(self, scope) -> JSONResponse | None:
        address = (scope.get("client") or ("unknown",))[0]
        client = f"address {address}"
        if self.keys:
            given = _bearer(dict(scope["headers"]).get(b"authorization", b""))
            position = matching_key(given, self.keys) if given else None
            if position is not None:
                client = f"key {position}"  # the key's place in the setting: the key itself is never kept
            else:  # wrong or missing keys count against the address, so guessing is slow too
                wait = self.rate.admit(client)
                if wait:
                    return self._too_many(wait)
                return error(401, "A valid API key is needed." if given else "No API key was sent.",
                             "Send the header `Authorization: Bearer <key>` with a key from "
                             f"{PREFIX}API_KEYS.", headers={"WWW-Authenticate": "Bearer"})
        wait = self.rate.admit(client)
        return self._too_many(wait) if wait else None

    def _too_many(self, wait: float) -> JSONResponse:
        seconds = max(1, math.ceil(wait))
        return error(429, f"Too many requests: at most {self.rate.per_source} a minute per client.",
                     f"Retry after {seconds} seconds.", headers={"Retry-After": str(seconds)})

    def _too_large(self) -> JSONResponse:
        return error(413, f"The request body is over {MAX_REQUEST_BYTES} bytes.", _BODY_HINT)


def _bearer(header: bytes) -> str:
    scheme, _, credentials = header.decode("latin-1").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The API over one index. The assistant is made (and warmed up) here, once, unless given."""
    if assistant is None:
        assistant = Assistant(settings)  # no index: IndexMissingError, saying how to build one
        assistant.ask("warm-up")  # load the models before the first employee waits for them
    app = FastAPI(title="benefits-qa", version="1", description=(
        "Answers employees' benefits questions from the employer's policy documents, every sentence "
        "cited. Send `Authorization: Bearer <key>` with a key from BENEFITS_QA_API_KEYS."))
    app.add_middleware(Gate, settings=settings)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p["type"] == "json_invalid" for p in problems):
            return error(400, "The body is not valid JSON.", _BODY_HINT)
        # Each problem's place and pydantic's message, never the input itself (it may be a question).
        described = "; ".join(f"{'.'.join(str(part) for part in p['loc'][1:]) or 'body'}: {p['msg']}" for p in problems)
        return error(400, f"The body is not a question: {described}.", _BODY_HINT)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail), "The endpoints are POST /v1/ask and GET /healthz; see /docs.")

    @app.post("/v1/ask", response_model=None, responses={
        200: {"model": AskResponse}, 400: {"model": ErrorBody}, 401: {"model": ErrorBody},
        413: {"model": ErrorBody}, 415: {"model": ErrorBody}, 429: {"model": ErrorBody}})
    async def ask(body: AskRequest) -> JSONResponse:
        """Answer one question, as `benefits-qa ask --json` does."""
        try:
            answer = await run_in_threadpool(assistant.ask, body.question, body.history)
        except QuestionTooLong as refused:  # its message opens with the crisis resources, if any
            return error(400, str(refused), f"Send at most {MAX_QUESTION_CHARS} characters.",
                         crisis=refused.safety == CRISIS, safety=refused.safety)
        except BenefitsQAError as err:  # an empty question, and the like: the message says what to do
            return error(400, str(err), _BODY_HINT)
        return JSONResponse(answer.to_json())

    @app.get("/healthz", responses={503: {"description": "No document is live: every answer would abstain."}})
    def healthz() -> JSONResponse:
        """Whether the index holds documents, and how many are live in it."""
        status = assistant.index_status(date.today())
        return JSONResponse({"status": "ok" if status.documents else "empty", "index": bool(status.documents),
                             "documents": status.documents, "updated_at": status.updated_at},
                            status_code=200 if status.documents else 503)

    return app
