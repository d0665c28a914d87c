"""`benefits-qa serve`'s start-up rules (api/server.py): no keys only on loopback, no query strings logged."""
import logging

import pytest

from api.server import PathsOnly, check_exposure, is_loopback
from core.config import load_settings
from core.errors import ConfigError


def test_loopback_addresses_and_names():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "api.internal", ""))


def test_without_keys_only_loopback_may_be_served():
    open_settings = load_settings({})
    check_exposure(open_settings, "127.0.0.1")
    with pytest.raises(ConfigError, match="BENEFITS_QA_API_KEYS is empty.*--host 127.0.0.1"):
        check_exposure(open_settings, "0.0.0.0")
    keyed = load_settings({"BENEFITS_QA_API_KEYS": " one-key , ,other-key "})
    assert keyed.api_key_list == ["one-key", "other-key"]
    check_exposure(keyed, "0.0.0.0")
    with pytest.raises(ConfigError, match="API_REQUESTS_PER_MINUTE must be at least 1"):
        load_settings({"BENEFITS_QA_API_REQUESTS_PER_MINUTE": "0"})


def test_the_access_log_line_loses_its_query_string():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/v1/ask?question=my+secret", "1.1", 405), None)
    assert PathsOnly().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /v1/ask HTTP/1.1" 405'
