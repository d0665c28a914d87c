"""Helpers for tests that start a real server on loopback."""
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float) -> None:
    """Poll url until it answers; fail the test if the server exits or the time runs out."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"the server behind {url} exited with {process.returncode}")
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds} s")
