"""`benefits-qa serve`: the API run by uvicorn, refused on a non-loopback address without keys."""
from __future__ import annotations

import ipaddress
import logging

from core.config import PREFIX, Settings
from core.errors import ConfigError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_exposure(settings: Settings, host: str) -> None:
    """Without API keys the API answers whoever reaches it: only on loopback."""
    if not settings.api_key_list and not is_loopback(host):
        raise ConfigError(f"{PREFIX}API_KEYS is empty, so the API would answer anyone who can reach {host}. "
                          f"Set {PREFIX}API_KEYS to one or more keys (comma-separated), or bind to loopback "
                          f"(--host 127.0.0.1).")


class PathsOnly(logging.Filter):
    """uvicorn's access log line without the query string: a client that put a question in the URL
    must not have it logged. (uvicorn logs method, path with query, version and status.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        return True


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from api.app import create_app

    check_exposure(settings, host)  # before the index and models are loaded
    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="info", server_header=False)
    logging.getLogger("uvicorn.access").addFilter(PathsOnly())  # after Config set up uvicorn's logging
    uvicorn.Server(config).run()
