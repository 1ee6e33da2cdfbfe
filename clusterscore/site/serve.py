"""Serve the built site over HTTP for reviewers who prefer a URL to opening files (`clusterscore serve`)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def make_server(
    site_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    handler: type[SimpleHTTPRequestHandler] = SimpleHTTPRequestHandler,
) -> ThreadingHTTPServer:
    """A ready, not yet running, server for `site_dir`; port 0 picks a free port (see `server.server_address`)."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").exists():
        raise FileNotFoundError(f"no site in {site_dir}: run `clusterscore refresh` first")
    return ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(site_dir)))


def serve(site_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `site_dir` until Ctrl-C. Loopback by default: the site is for the person at this machine."""
    server = make_server(site_dir, host, port)
    bound_host, bound_port = server.server_address[:2]
    print(f"Serving {site_dir} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
