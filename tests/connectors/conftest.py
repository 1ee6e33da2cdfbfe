"""Fixtures of the connector tests: a real HTTP server on loopback serving recorded responses (loopback.py), so
every connector is tested over real HTTP with nothing of ours mocked, and a guard that refuses any connection not
to the loopback interface: no test reaches the internet."""

import socket

import duckdb
import pytest

from clusterscore.config import SourceSettings
from connectors.loopback import Loopback


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Refuse every connection that is not to 127.0.0.1 / ::1: the tests can never reach the internet."""
    original = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            raise OSError(f"test guard: connection to {host} refused (tests stay on loopback)")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)  # the client honours proxies; the loopback needs none


@pytest.fixture
def server():
    loopback = Loopback()
    yield loopback
    loopback.close()


@pytest.fixture
def settings_for(server, monkeypatch):
    """Live settings pointing at the loopback server, fast retries, test credentials in the environment."""
    monkeypatch.setenv("TEST_CVR_USER", "test-user")
    monkeypatch.setenv("TEST_CVR_PASSWORD", "s3cret-pass")

    def make(name: str, path: str = "/cvr-permanent/virksomhed/_search", **overrides) -> SourceSettings:
        values = {
            "mode": "live",
            "url": server.base + path,
            "scroll_url": server.base + "/_search/scroll",
            "username_env": "TEST_CVR_USER",
            "password_env": "TEST_CVR_PASSWORD",
            "requests_per_second": 0,
            "timeout_seconds": 2.0,
            "connect_timeout_seconds": 1.0,
            "retries": 2,
            "backoff_seconds": 0.01,
            "max_backoff_seconds": 0.05,
            **overrides,
        }
        return SourceSettings(name=name, **values)

    return make


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "connectors.duckdb"))
    yield connection
    connection.close()


@pytest.fixture
def quarantined(con):
    """(record key, field, reason) of the quarantined records of a source, in file order."""

    def rows(source: str) -> list[tuple]:
        return con.execute(
            "select record_key, field, reason from meta.quarantine where source_name = ? order by line_no, record_key",
            [source],
        ).fetchall()

    return rows
