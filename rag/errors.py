"""The errors of answering (the shared ones are in core/errors.py)."""
from core.errors import BenefitsQAError


class LLMUnavailable(BenefitsQAError):
    """The configured model did not answer (unreachable, timed out, refused the request): the
    extractive answer is kept. A wrong setting is a ConfigError instead, shown with its fix."""
