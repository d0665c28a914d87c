"""Errors a user can fix. Each message says what went wrong and what to do; the CLI and app show it."""


class BenefitsQAError(Exception):
    """Base class: caught at the edge (CLI, app) and shown to the user as is."""


class ConfigError(BenefitsQAError):
    pass


class IndexMissingError(BenefitsQAError):
    pass
