"""How a live source can fail, classified so the caller knows whether to retry, fix settings, or fix the code.

Every message names the source, the URL (credentials removed) and what was wrong; none ever carries a credential.
"""

from clusterscore.connectors.redact import redact_url


class ConnectorError(RuntimeError):
    """A live source could not be read. `source` is the source name, `uri` the URL or file, credentials removed,
    `status` the HTTP status when there was one."""

    def __init__(self, source: str, uri: str, message: str, status: int | None = None):
        self.source, self.uri, self.message, self.status = source, redact_url(uri), message, status
        super().__init__(f"source {source}: {self.uri}: {message}")


class TransientSourceError(ConnectorError):
    """The service failed in a way it may recover from (5xx, timeout, refused connection, 429 after all retries):
    retrying later may succeed."""


class SourceAuthError(ConnectorError):
    """The service refused our credentials (401/403) or none were set: the message names the variables to set."""


class SourceQueryError(ConnectorError):
    """The service rejected what we asked (400, an Elasticsearch error body): its own reason is quoted."""


class SourceLayoutError(ConnectorError):
    """The answer is not in the shape we read (malformed JSON, unknown response shape, a changed HTML page or XBRL
    layout): fail clearly instead of loading nothing or guessing."""


class SourceConfigError(ConnectorError):
    """Live mode lacks what it needs (no confirmed CVR numbers, no submissions folder): nothing was fetched."""
