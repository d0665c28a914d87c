"""The errors of reading and taking in documents (the shared ones are in core/errors.py)."""
from core.errors import BenefitsQAError


class ParseError(BenefitsQAError):
    """A document could not be read. `reason` is short; `hint` says what to do."""

    def __init__(self, source: str, reason: str, hint: str = ""):
        self.source, self.reason, self.hint = source, reason, hint
        super().__init__(f"{source}: {reason}" + (f" ({hint})" if hint else ""))

    def __reduce__(self):  # crosses from the worker processes that parse files
        return (ParseError, (self.source, self.reason, self.hint))


class UploadExistsError(BenefitsQAError):
    """An upload would replace a document of the same name without the maintainer saying so."""


class FetchRefused(BenefitsQAError):
    """A URL (or a redirect) the URL policy does not allow: scheme, host or address."""
