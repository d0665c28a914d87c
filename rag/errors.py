"""Errors a user can fix. Each message says what went wrong and what to do; the CLI and app show it."""


class BenefitsQAError(Exception):
    """Base class: caught at the edge (CLI, app) and shown to the user as is."""


class ConfigError(BenefitsQAError):
    pass


class IndexMissingError(BenefitsQAError):
    pass


class LLMUnavailable(BenefitsQAError):
    """The configured model did not answer (unreachable, timed out, refused the request): the
    extractive answer is kept. A wrong setting is a ConfigError instead, shown with its fix."""


class ParseError(BenefitsQAError):
    """A document could not be read. `reason` is short; `hint` says what to do."""

    def __init__(self, source: str, reason: str, hint: str = ""):
        self.source, self.reason, self.hint = source, reason, hint
        super().__init__(f"{source}: {reason}" + (f" ({hint})" if hint else ""))

    def __reduce__(self):  # crosses from the worker processes that parse files
        return (ParseError, (self.source, self.reason, self.hint))


class PageGoneError(BenefitsQAError):
    """A cited page is no longer in its document: the document changed since the answer."""


class PageTooLargeError(BenefitsQAError):
    """A cited page is too large to draw within the pixel budget."""


class UploadExistsError(BenefitsQAError):
    """An upload would replace a document of the same name without the maintainer saying so."""


class FetchRefused(BenefitsQAError):
    """A URL (or a redirect) the URL policy does not allow: scheme, host or address."""
