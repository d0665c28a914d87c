"""The errors of answering (the shared ones are in core/errors.py)."""
from core.errors import BenefitsQAError


class LLMUnavailable(BenefitsQAError):
    """The configured model did not answer (unreachable, timed out, refused the request): the
    extractive answer is kept. A wrong setting is a ConfigError instead, shown with its fix."""


class QuestionTooLong(BenefitsQAError):
    """A question over MAX_QUESTION_CHARS is not answered. The message opens with the safety
    check's preamble when there is one (crisis resources are never dropped), and `safety` is its
    outcome, for an edge that shows it apart (the HTTP API)."""

    def __init__(self, message: str, safety: str):
        super().__init__(message)
        self.safety = safety
