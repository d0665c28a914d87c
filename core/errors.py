"""Errors a user can fix. Each message says what went wrong and what to do; the CLI and app show it."""
import traceback


class BenefitsQAError(Exception):
    """Base class: caught at the edge (CLI, app) and shown to the user as is."""


class ConfigError(BenefitsQAError):
    pass


class IndexMissingError(BenefitsQAError):
    pass


def frames_of(err: BaseException) -> str:
    """An unexpected error's stack frames, for a log: never its message, which may quote what the
    user typed (the app and the API log the type and these)."""
    return "".join(traceback.format_list(traceback.extract_tb(err.__traceback__)))
