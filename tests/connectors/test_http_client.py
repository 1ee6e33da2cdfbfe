"""The shared HTTP client against the loopback server: auth failures, 429 with Retry-After, 5xx then success,
timeouts, refused connections, malformed JSON, gzip, Elasticsearch error bodies, the rate limit, and that no
credential ever appears in a message."""

import socket
import time

import pytest

from clusterscore.connectors.errors import (
    SourceAuthError,
    SourceLayoutError,
    SourceQueryError,
    TransientSourceError,
)
from clusterscore.connectors.http_client import HttpClient, maybe_gunzip, retry_after_seconds
from clusterscore.connectors.redact import redact_url
from connectors.loopback import Reply

OK = Reply(body=b'{"ok": true}')


def client_for(settings, **kwargs) -> HttpClient:
    return HttpClient.from_settings(settings, **kwargs)


def test_basic_auth_from_environment_is_sent(server, settings_for):
    server.route("GET", "/x", OK)
    with client_for(settings_for("cvr_companies")) as client:
        assert client.json("GET", server.base + "/x") == {"ok": True}
    assert server.seen()[0].headers["authorization"].startswith("Basic ")


def test_401_names_the_variables_and_never_the_credential(server, settings_for):
    server.route(
        "POST",
        "/s",
        Reply(401, b"<html><title>401 Authorization Required</title></html>", {"Content-Type": "text/html"}),
    )
    with client_for(settings_for("cvr_companies")) as client, pytest.raises(SourceAuthError) as caught:
        client.json("POST", server.base + "/s", json={})
    message = str(caught.value)
    assert "TEST_CVR_USER" in message and "TEST_CVR_PASSWORD" in message and "401" in message
    assert "s3cret-pass" not in message and "test-user" not in message
    assert len(server.seen()) == 1  # an auth failure is not retried


def test_missing_credentials_fail_before_any_request(server, settings_for, monkeypatch):
    monkeypatch.delenv("TEST_CVR_PASSWORD")
    with pytest.raises(SourceAuthError, match="set the environment variables TEST_CVR_USER and TEST_CVR_PASSWORD"):
        client_for(settings_for("cvr_companies"), auth_required=True)
    assert server.requests == []


def test_429_honours_retry_after_then_succeeds(server, settings_for):
    server.route("GET", "/x", Reply(429, b'{"error": "slow down"}', {"Retry-After": "1"}), OK)
    started = time.monotonic()
    with client_for(settings_for("label_awards")) as client:
        assert client.json("GET", server.base + "/x") == {"ok": True}
    assert time.monotonic() - started >= 0.95
    assert len(server.seen()) == 2


def test_429_retry_after_beyond_the_limit_is_transient_at_once(server, settings_for):
    server.route("GET", "/x", Reply(429, b"{}", {"Retry-After": "3600"}))
    with client_for(settings_for("label_awards")) as client, pytest.raises(TransientSourceError, match="3600 s"):
        client.json("GET", server.base + "/x")
    assert len(server.seen()) == 1


def test_429_until_retries_run_out_is_transient(server, settings_for):
    server.route("GET", "/x", Reply(429, b'{"error": "rate limited"}', {"Retry-After": "0"}))
    with client_for(settings_for("label_awards", retries=2)) as client, pytest.raises(TransientSourceError) as caught:
        client.json("GET", server.base + "/x")
    assert "HTTP 429" in str(caught.value) and "after 3 attempts" in str(caught.value)
    assert len(server.seen()) == 3


def test_500_then_200_succeeds_after_backoff(server, settings_for):
    server.route("GET", "/x", Reply(500, b"Internal Server Error"), Reply(502, b"Bad Gateway"), OK)
    with client_for(settings_for("label_awards", retries=3)) as client:
        assert client.json("GET", server.base + "/x") == {"ok": True}
    assert len(server.seen()) == 3


def test_slow_answer_times_out_and_is_transient(server, settings_for):
    server.route("GET", "/slow", Reply(body=b"{}", delay=1.5))
    settings = settings_for("label_awards", timeout_seconds=0.3, retries=1)
    started = time.monotonic()
    with client_for(settings) as client, pytest.raises(TransientSourceError, match="timeout"):
        client.json("GET", server.base + "/slow")
    assert time.monotonic() - started < 3
    assert len(server.seen()) == 2


def test_refused_connection_is_transient(settings_for):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with client_for(settings_for("label_awards", retries=1)) as client, pytest.raises(TransientSourceError) as caught:
        client.json("GET", f"http://127.0.0.1:{port}/x")
    assert "connection failed" in str(caught.value)


def test_malformed_json_is_a_layout_error(server, settings_for):
    server.route(
        "GET", "/x", Reply(body=b'{"hits": {"total": 3, "hits": [', headers={"Content-Type": "application/json"})
    )
    with client_for(settings_for("cvr_companies")) as client, pytest.raises(SourceLayoutError, match="not valid JSON"):
        client.json("GET", server.base + "/x")


def test_html_where_json_was_expected_is_a_layout_error(server, settings_for):
    server.route(
        "GET", "/x", Reply(body=b"<html><body>Maintenance</body></html>", headers={"Content-Type": "text/html"})
    )
    with client_for(settings_for("cvr_companies")) as client, pytest.raises(SourceLayoutError, match="text/html"):
        client.json("GET", server.base + "/x")


def test_gzip_content_encoding_is_decoded(server, settings_for):
    server.route("GET", "/x", Reply(body=b'{"gzipped": true}', gzip=True))
    with client_for(settings_for("cvr_companies")) as client:
        assert client.json("GET", server.base + "/x") == {"gzipped": True}
    assert "gzip" in server.seen()[0].headers["accept-encoding"]


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("cvr/es1_error_query.json", "No query registered for [termz]"),
        ("cvr/es6_error_query.json", "query_shard_exception: failed to create query"),
    ],
)
def test_400_quotes_the_elasticsearch_reason(server, settings_for, recorded, expected):
    server.route("POST", "/s", server.recorded(recorded, status=400))
    with client_for(settings_for("cvr_companies")) as client, pytest.raises(SourceQueryError) as caught:
        client.json("POST", server.base + "/s", json={})
    assert expected in str(caught.value) and "HTTP 400" in str(caught.value)
    assert len(server.seen()) == 1  # a bad query is not retried


def test_rate_limit_spaces_requests(server, settings_for):
    server.route("GET", "/x", OK)
    with client_for(settings_for("label_awards", requests_per_second=10)) as client:
        started = time.monotonic()
        for _ in range(5):
            client.json("GET", server.base + "/x")
    assert time.monotonic() - started >= 0.38


def test_credentials_in_a_url_are_removed_from_messages(server, settings_for):
    server.route("GET", "/x", Reply(403, b"forbidden"))
    url = server.base.replace("http://", "http://someone:hunter22@") + "/x?api_key=abc123secret&page=2"
    with client_for(settings_for("label_awards")) as client, pytest.raises(SourceAuthError) as caught:
        client.json("GET", url)
    text = str(caught.value)
    assert "hunter22" not in text and "abc123secret" not in text and "page=2" in text
    assert redact_url("http://u:p@host:8080/a?token=t&x=1") == "http://host:8080/a?token=***&x=1"


def test_retry_after_as_http_date_and_gunzip_limits():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert retry_after_seconds("2.5") == 2.5 and retry_after_seconds("soon") is None
    import gzip

    assert maybe_gunzip(gzip.compress(b"abc"), 10) == b"abc"
    assert maybe_gunzip(b"plain", 10) == b"plain"
    with pytest.raises(ValueError, match="more than 10 bytes"):
        maybe_gunzip(gzip.compress(b"x" * 100), 10)
