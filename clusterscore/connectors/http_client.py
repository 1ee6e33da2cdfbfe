"""The one HTTP client every connector uses, so retries, rate limits, timeouts and auth behave the same everywhere.

- Timeouts: (connect, read) on every request.
- Retries: 5xx, 408, 429, timeouts and failed connections are retried with exponential backoff and jitter; a
  Retry-After header (seconds or an HTTP date) is honoured, up to `max_retry_after_seconds`. When retries run out
  the error is a TransientSourceError: the source may recover, and the Dagster retry policy tries again later.
- 401/403 is a SourceAuthError naming the variables to set; any other 4xx a SourceQueryError quoting the
  service's own reason (Elasticsearch's `error.reason` when there is one).
- A simple rate limit: at most `requests_per_second` request starts per second, shared by the client's threads.
- gzip: `Content-Encoding: gzip` is decoded by requests; bodies that are themselves gzip files (the XBRL
  documents) are unpacked by `maybe_gunzip`, with a size cap against decompression bombs.
- Basic auth from environment variables, which are read here and never logged: messages carry URLs with
  credentials removed and any secret value masked.
"""

import email.utils
import gzip
import io
import os
import random
import re
import threading
import time
from collections.abc import Iterable

import orjson
import requests

from clusterscore.connectors.errors import (
    SourceAuthError,
    SourceLayoutError,
    SourceQueryError,
    TransientSourceError,
)
from clusterscore.connectors.redact import redact_text, redact_url

USER_AGENT = "clusterscore/0.1 (scoring of cluster organisations; python-requests)"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class RateLimiter:
    """At most `per_second` starts per second (0 or less: no limit)."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_reason(response: requests.Response, limit: int = 300) -> str:
    """The service's own words for an error: Elasticsearch's error reason (1.x: a string; 2.x+: an object with
    `root_cause`, `type`, `reason`), else the start of the body with markup removed."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and "error" in body:
        error = body["error"]
        if isinstance(error, str):
            return error[:limit]
        if isinstance(error, dict):
            causes = error.get("root_cause") or []
            first = causes[0] if causes and isinstance(causes[0], dict) else error
            reason = first.get("reason") or error.get("reason") or ""
            kind = first.get("type") or error.get("type") or ""
            return (f"{kind}: {reason}" if kind else str(reason))[:limit]
    text = re.sub(r"<[^>]+>", " ", response.text or "")
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] or "(empty body)"


def maybe_gunzip(data: bytes, max_bytes: int) -> bytes:
    """`data` unpacked when it is a gzip file (magic bytes 1f 8b), refusing more than `max_bytes` unpacked."""
    if data[:2] != b"\x1f\x8b":
        return data
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
        unpacked = handle.read(max_bytes + 1)
    if len(unpacked) > max_bytes:
        raise ValueError(f"unpacks to more than {max_bytes} bytes")
    return unpacked


class HttpClient:
    """requests.Session with the project's timeouts, retries, rate limit and credential handling."""

    def __init__(
        self,
        source: str,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 300.0,
        requests_per_second: float = 2.0,
        auth_env: tuple[str, str] | None = None,
        auth_required: bool = False,
    ):
        self.source = source
        self.timeout = (connect_timeout, read_timeout)
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.max_retry_after = max_retry_after
        self.limiter = RateLimiter(requests_per_second)
        self.auth_env = auth_env
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
        self._secrets: tuple[str, ...] = ()
        if auth_env:
            user, password = (os.environ.get(name, "") for name in auth_env)
            if user and password:
                self.session.auth = (user, password)
                self._secrets = (user, password)
            elif auth_required:
                raise SourceAuthError(
                    source,
                    "(no request sent)",
                    f"credentials are missing: set the environment variables {auth_env[0]} and {auth_env[1]} "
                    "(CVR system-to-system access; see the README, 'Live sources')",
                )

    @classmethod
    def from_settings(cls, settings, auth_required: bool = False, credentials: bool = True) -> "HttpClient":
        """A client with the source's timeouts, retries and rate limit; `credentials=False` sends no login (for
        documents on other hosts, which must not receive the service's credentials)."""
        auth_env = (
            (settings.username_env, settings.password_env)
            if credentials and settings.username_env and settings.password_env
            else None
        )
        return cls(
            settings.name,
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.timeout_seconds,
            retries=settings.retries,
            backoff=settings.backoff_seconds,
            max_backoff=settings.max_backoff_seconds,
            max_retry_after=settings.max_retry_after_seconds,
            requests_per_second=settings.requests_per_second,
            auth_env=auth_env,
            auth_required=auth_required and auth_env is not None,
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _clean(self, text: str) -> str:
        return redact_text(text, self._secrets)

    def _auth_message(self, status: int, reason: str) -> str:
        if self.auth_env is None:
            return f"HTTP {status}: the service refused access ({reason})"
        user_var, password_var = self.auth_env
        if self.session.auth is None:
            return f"HTTP {status}: the service requires credentials; set {user_var} and {password_var} ({reason})"
        return (
            f"HTTP {status}: the service refused the credentials in {user_var} / {password_var}; check them, "
            f"or ask the service for access ({reason})"
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        json: object = None,
        data: bytes | str | None = None,
        params: dict | None = None,
        headers: dict | None = None,
        retry_statuses: Iterable[int] = RETRY_STATUSES,
        retry_network_errors: bool = True,
        stream: bool = False,
    ) -> requests.Response:
        """Send one request, retrying what may recover; return a 2xx/3xx response or raise a ConnectorError."""
        retry_statuses = frozenset(retry_statuses)
        shown = redact_url(url)
        attempt = 0
        while True:
            self.limiter.wait()
            wait: float | None = None
            status: int | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    data=data,
                    params=params,
                    headers=headers,
                    timeout=self.timeout,
                    stream=stream,
                )
            except requests.Timeout:
                problem, retryable = f"no answer within {self.timeout[1]:g} s (timeout)", retry_network_errors
            except requests.ConnectionError as exc:
                problem, retryable = f"connection failed ({self._clean(_short(exc))})", retry_network_errors
            except requests.exceptions.ContentDecodingError as exc:
                raise SourceLayoutError(
                    self.source, shown, f"the gzip-encoded answer cannot be decoded: {exc}"
                ) from exc
            except requests.RequestException as exc:  # e.g. the body broke off while it was read
                problem, retryable = f"reading the answer failed ({self._clean(_short(exc))})", retry_network_errors
            else:
                status = response.status_code
                if status < 400:
                    return response
                reason = self._clean(error_reason(response))
                if status in (401, 403):
                    raise SourceAuthError(self.source, shown, self._auth_message(status, reason), status)
                if status < 500 and status not in RETRY_STATUSES:
                    raise SourceQueryError(self.source, shown, f"HTTP {status}: {reason}", status)
                problem, retryable = f"HTTP {status}: {reason}", status in retry_statuses
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                response.close()
            if not retryable or attempt >= self.retries:
                tries = f" (after {attempt + 1} attempts)" if attempt else ""
                raise TransientSourceError(self.source, shown, f"{problem}{tries}", status)
            if wait is not None and wait > self.max_retry_after:
                raise TransientSourceError(
                    self.source,
                    shown,
                    f"{problem}; the service asks to wait {wait:.0f} s (Retry-After), longer than "
                    f"max_retry_after_seconds={self.max_retry_after:g}",
                )
            if wait is None:
                wait = min(self.max_backoff, self.backoff * 2**attempt) * random.uniform(0.5, 1.5)
            time.sleep(wait)
            attempt += 1

    def json(self, method: str, url: str, **kwargs) -> object:
        """Send a request and parse the answer as JSON; a body that is not JSON is a SourceLayoutError."""
        response = self.request(method, url, **kwargs)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            start = self._clean(response.content[:120].decode("utf-8", errors="replace"))
            raise SourceLayoutError(
                self.source,
                redact_url(url),
                f"the answer is not valid JSON ({exc}; content-type {response.headers.get('Content-Type')!r}, "
                f"starts {start!r})",
            ) from exc

    def download(self, url: str, max_bytes: int) -> bytes:
        """The body of a GET, unpacked when it is gzip, refusing more than `max_bytes`."""
        response = self.request("GET", url, stream=True)
        shown = redact_url(url)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > max_bytes:
                    raise SourceLayoutError(self.source, shown, f"document is larger than {max_bytes} bytes")
                chunks.append(chunk)
        except requests.exceptions.ContentDecodingError as exc:
            raise SourceLayoutError(self.source, shown, f"the gzip body cannot be decoded: {exc}") from exc
        except requests.RequestException as exc:
            raise TransientSourceError(self.source, shown, f"the download broke off: {_short(exc)}") from exc
        finally:
            response.close()
        try:
            return maybe_gunzip(b"".join(chunks), max_bytes)
        except (OSError, EOFError, ValueError) as exc:
            raise SourceLayoutError(self.source, shown, f"the gzip document cannot be unpacked: {exc}") from exc


def _short(exc: Exception) -> str:
    """The innermost reason of a requests exception, without the long urllib3 wrapper text."""
    text = str(exc)
    match = re.search(r"(\[Errno -?\d+\][^'\")]*|Connection refused|Connection reset by peer|timed out)", text)
    return match.group(1).strip() if match else text[:200]
