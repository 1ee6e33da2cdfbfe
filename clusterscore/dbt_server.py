"""A warm dbt for the refresh: one process imports dbt once, and each dbt invocation of the run is a fork of it.

Importing dbt takes ~3 s of CPU (mashumaro builds its serialisers as the classes are created), and a refresh
starts dbt up to twice (the build; the docs, under new code). dagster-dbt runs dbt as a child process and reads its
JSON log from the child's standard output, so the executable it starts is `clusterscore-dbt`: a small client that
hands its arguments, environment, working folder and standard streams to the server over a Unix socket. The server
forks; the fork takes the client's streams and runs dbt's own command line; the client exits with the fork's
exit code and forwards SIGINT/SIGTERM (dagster-dbt stops dbt with SIGINT). The server starts importing at the
start of the run, beside the landing, on the second core.

Without a server (`CLUSTERSCORE_DBT_SERVER` unset, or nothing listening) the client runs dbt itself, so
`clusterscore-dbt` is always a dbt. Only the standard library is imported here: the client must start at once.
"""

import contextlib
import gc
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from clusterscore.process_exit import exit_at_once  # the standard library only, as here

SERVER_ENV = "CLUSTERSCORE_DBT_SERVER"
DBT = Path(sys.executable).parent / "dbt"  # the dbt installed beside this Python, so nothing depends on PATH
CLIENT = DBT.parent / "clusterscore-dbt"  # installed with the project (pyproject.toml: project.scripts)

# What `dbt build` and `dbt docs generate` import after `dbt.cli.main` (listed from sys.modules after a build).
PRELOAD = (
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "dbt.adapters.duckdb.impl",
    "dbt.compilation",
    "dbt.parser.sql",
    "dbt.task.build",
    "dbt.task.docs.generate",
    "agate",
    "daff",
)
_PID = struct.Struct("!q")
_CODE = struct.Struct("!i")


# --- the client: `clusterscore-dbt ARGS...` -------------------------------------------------------------------


def client() -> None:
    """Run `dbt ARGS` in a fork of the server, or as dbt itself when there is no server."""
    args = sys.argv[1:]
    sock = _connect(os.environ.get(SERVER_ENV))
    if sock is None:
        os.execv(DBT, [str(DBT), *args])
    request = json.dumps({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    socket.send_fds(sock, [_CODE.pack(len(request))], [0, 1, 2])
    sock.sendall(request)
    pid = _receive(sock, _PID)
    if pid is None:
        sys.exit(f"clusterscore-dbt: the dbt server at {os.environ[SERVER_ENV]} did not start dbt")
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, _frame: os.kill(pid, signum))
    code = _receive(sock, _CODE)
    sys.exit(1 if code is None else code)  # None: the fork died without reporting (killed)


def _connect(path: str | None) -> socket.socket | None:
    if not path:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:  # the server has gone (or never came): run dbt here
        sock.close()
        return None
    return sock


def _receive(sock: socket.socket, shape: struct.Struct) -> int | None:
    data = _read_exactly(sock, shape.size)
    return None if data is None else shape.unpack(data)[0]


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    """`size` bytes from `sock`; None if the other end closes first."""
    data = b""
    while len(data) < size:
        part = sock.recv(size - len(data))
        if not part:
            return None
        data += part
    return data


# --- the server: `python -m clusterscore.dbt_server SOCKET PARENT_PID` ----------------------------------------


def serve(path: str, parent: int) -> None:
    """Listen first (a client that comes early waits in the backlog), then import dbt, then fork per request.
    Ends on SIGTERM, or when `parent` (the process that started it, named rather than read, in case that one
    ended before this started) is no longer its parent."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    for module in PRELOAD:
        __import__(module)
    gc.freeze()  # the imported objects stay out of the forks' collections, so their pages stay shared
    listener.settimeout(1.0)
    while os.getppid() == parent:
        _reap()
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(None)
            _fork_dbt(listener, conn)


def _fork_dbt(listener: socket.socket, conn: socket.socket) -> None:
    msg, fds, _flags, _addr = socket.recv_fds(conn, _CODE.size, 3)
    try:
        request = _read_exactly(conn, _CODE.unpack(msg)[0])
        if request is None:  # the client went away before asking
            return
        if os.fork() == 0:  # the fork: becomes the dbt the client asked for, and never returns to the loop
            code = 1
            try:
                listener.close()
                code = _run_dbt(conn, fds, json.loads(request))
            finally:
                exit_at_once(code)
    finally:
        for fd in fds:
            os.close(fd)


def _run_dbt(conn: socket.socket, fds: list[int], request: dict) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new Python: dbt stops on SIGINT
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    conn.sendall(_PID.pack(os.getpid()))
    finished = threading.Event()
    threading.Thread(target=_stop_when_client_ends, args=(conn, finished), daemon=True).start()
    code = 1
    try:
        from dbt.cli.main import cli

        cli.main(args=request["args"], prog_name="dbt")  # dbt's command line ends with SystemExit
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # anything else dbt let escape: said on the client's stderr, exit code 1
        print(f"dbt failed in the fork: {exc!r}", file=sys.stderr)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
    finished.set()
    with contextlib.suppress(OSError):
        conn.sendall(_CODE.pack(code))
    return code


def _stop_when_client_ends(conn: socket.socket, finished: threading.Event) -> None:
    """The client sends nothing more, so the socket reads empty only when it has ended: then nobody reads dbt's
    output or waits for its exit code any more, and dbt is stopped as if interrupted."""
    with contextlib.suppress(OSError):
        conn.recv(1)
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGINT)


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


@contextlib.contextmanager
def running() -> Iterator[str]:
    """A dbt server for the duration of the block, announced to dbt clients through the environment."""
    with tempfile.TemporaryDirectory(prefix="clusterscore-dbt-") as folder:
        path = str(Path(folder) / "dbt.sock")
        server = subprocess.Popen([sys.executable, "-m", "clusterscore.dbt_server", path, str(os.getpid())])
        deadline = time.monotonic() + 10
        while not os.path.exists(path) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # it binds before it imports dbt: a few hundredths of a second
        previous = os.environ.get(SERVER_ENV)
        os.environ[SERVER_ENV] = path
        try:
            yield path
        finally:
            if previous is None:
                os.environ.pop(SERVER_ENV, None)
            else:
                os.environ[SERVER_ENV] = previous
            server.terminate()
            server.wait()


if __name__ == "__main__":
    # Ended at once: the refresh waits for the server at its end, and an interpreter holding dbt's imports took
    # ~0.6 s to shut down (a sample run with nothing new: 5.7 s against 5.1 s). The server holds nothing to flush:
    # its socket's folder is the refresh's to remove, and each dbt fork exits on its own.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the refresh ends the server
    serve(sys.argv[1], int(sys.argv[2]))
