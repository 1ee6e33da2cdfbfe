"""Credentials never leave the process: URLs and texts are cleaned before they reach a message or a log."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters whose values are secrets wherever they appear.
SECRET_PARAMS = re.compile(r"pass|secret|token|key|auth|sig|credential", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL without user:password@ and with secret-looking query values masked; other text passes unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="*:/")
    return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with each of `secrets` (values of at least 4 characters) replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
