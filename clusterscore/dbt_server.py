"""A warm dbt for the refresh: one process imports dbt once, and each dbt invocation of the run is a fork of it.

Importing dbt takes ~3 s of CPU (mashumaro builds its serialisers as the classes are created), and a refresh
starts dbt up to twice (the build; the docs, under new code). dagster-dbt runs dbt as a child process and reads its
JSON log from the child's standard output, so the executable it starts is `clusterscore-dbt`: a small client that
hands its arguments, environment, working folder and standard streams to the server over a Unix socket. The server
forks; the fork takes the client's streams and runs dbt's own command line; the client exits with the fork's
exit code and forwards SIGINT/SIGTERM (dagster-dbt stops dbt with SIGINT). The server starts importing at the
start of the run, beside the landing, on the second core, has dbt's loggers ask an event's level before they
make its line (clusterscore/dbt_log_lines.py), and has dbt look its `fqn:` selectors up in an index
(clusterscore/dbt_selection.py).

A run may also have the server parse the project ahead (`running(parse_ahead=...)`: the working folder and
environment its dbt invocations will have). The server parses in its own process after the imports, still beside
the landing, and each fork whose invocation would parse the same gets that manifest (dbt's `dbtRunner(manifest=)`)
instead of parsing again: ~0.7 s less from the dbt step's start to its first node on a national night. An
invocation that could parse differently (another command, an option that changes the parse, another value of any
environment variable but those in NOT_READ_BY_PARSE) runs in a new dbt process, which parses, and says why on its
output. A build on the parse ahead writes its manifest.json as ever, with the parse's invocation id.

Without a server (`CLUSTERSCORE_DBT_SERVER` unset, or nothing listening) the client runs dbt itself, so
`clusterscore-dbt` is always a dbt. Only the standard library is imported here: the client must start at once.
"""

import contextlib
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

from clusterscore.lasting_objects import kept_to_the_end  # the standard library only, as here
from clusterscore.process_exit import exit_at_once

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
# Environment variables dbt's parse of this project does not read, so a parse ahead serves invocations that differ
# in them: read only at execution (macros/tests/test_scopes.sql reads it `if execute`), a selection, or how and
# where dbt logs (dagster-dbt sets these per invocation).
NOT_READ_BY_PARSE = frozenset(
    {
        "CLUSTERSCORE_TESTED_THROUGH",
        "DBT_INDIRECT_SELECTION",
        "DAGSTER_DBT_CLI",
        "DBT_LOG_FORMAT",
        "DBT_LOG_PATH",
        "PYTHONLEGACYWINDOWSSTDIO",
        "PYTHONUNBUFFERED",
    }
)
# The commands a parse ahead serves, and the options they may have: selections and output, nothing parsed.
PARSED_COMMANDS = (("build",), ("docs", "generate"))
PARSE_FREE_OPTIONS = frozenset(
    {
        "--select",
        "-s",
        "--exclude",
        "--indirect-selection",
        "--exclude-resource-type",
        "--resource-type",
        "--quiet",
        "-q",
        "--static",
        "--no-compile",
    }
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
    _request(sock, {"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2])
    pid = _receive(sock, _PID)
    if pid is None:
        sys.exit(f"clusterscore-dbt: the dbt server at {os.environ[SERVER_ENV]} did not start dbt")
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda signum, _frame: os.kill(pid, signum))
    code = _receive(sock, _CODE)
    sys.exit(1 if code is None else code)  # None: the fork died without reporting (killed)


def _request(sock: socket.socket, request: dict, fds: list[int]) -> None:
    data = json.dumps(request).encode()
    socket.send_fds(sock, [_CODE.pack(len(data))], fds)
    sock.sendall(data)


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
    # The imported objects stay out of the forks' collections, so their pages stay shared.
    with kept_to_the_end():
        for module in PRELOAD:
            __import__(module)
        from clusterscore.dbt_log_lines import make_only_lines_at_level
        from clusterscore.dbt_selection import index_fqn_selection

        make_only_lines_at_level()
        index_fqn_selection()
    listener.settimeout(1.0)
    while os.getppid() == parent:
        _reap()
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(None)
            _answer(listener, conn)


class _Parsed:
    """The manifest a parse ahead made, with the working folder and environment it was parsed in."""

    def __init__(self, manifest, cwd: str, env: dict[str, str]):
        self.manifest, self.cwd, self.env = manifest, cwd, env

    def refusal(self, request: dict) -> str | None:
        """Why this manifest is not the one `request`'s dbt would parse (names only, never values), or None."""
        if self.manifest is None:
            return "the parse ahead failed"
        args = request["args"]
        words = [arg for arg in args if not arg.startswith("-")]
        if not any(tuple(words[: len(command)]) == command for command in PARSED_COMMANDS):
            return "not a command the parse ahead serves"
        options = sorted({arg.split("=")[0] for arg in args if arg.startswith("-")} - PARSE_FREE_OPTIONS)
        if options:
            return f"options {', '.join(options)}"
        if request["cwd"] != self.cwd:
            return "another working folder"
        env = request["env"]
        differ = sorted(
            name for name in (env.keys() | self.env.keys()) - NOT_READ_BY_PARSE if env.get(name) != self.env.get(name)
        )
        return f"environment variables {', '.join(differ)}" if differ else None


_parsed: _Parsed | None = None  # once the server has parsed ahead, no fork may parse (`_dbt_in_a_new_process`)


def _parse_ahead(request: dict) -> None:
    """Parse the project here, in the server, as an invocation in `request`'s folder and environment would; the
    forks after it inherit the manifest. After a parse that failed, each dbt parses, and reports, itself."""
    global _parsed
    from dbt.cli.main import dbtRunner

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    with kept_to_the_end():  # the manifest stays out of the forks' collections too
        parsed = dbtRunner().invoke(["parse", "--log-level", "none"])  # logged to the target's dbt.log only
    _parsed = _Parsed(parsed.result if parsed.success else None, request["cwd"], request["env"])


def _answer(listener: socket.socket, conn: socket.socket) -> None:
    """A parse ahead, done here; or a dbt invocation, run in a fork."""
    msg, fds, _flags, _addr = socket.recv_fds(conn, _CODE.size, 3)
    try:
        request = _read_exactly(conn, _CODE.unpack(msg)[0])
        if request is None:  # the client went away before asking
            return
        request = json.loads(request)
        if request.get("parse_ahead"):
            _parse_ahead(request)
            return
        if os.fork() == 0:  # the fork: becomes the dbt the client asked for, and never returns to the loop
            code = 1
            try:
                listener.close()
                code = _run_dbt(conn, fds, request)
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
    refusal = _parsed.refusal(request) if _parsed is not None else None
    try:
        from dbt.cli.main import cli, dbtRunner

        if _parsed is not None and refusal is None:
            ran = dbtRunner(manifest=_parsed.manifest).invoke(request["args"])
            # dbt's own exit codes: 0 done, 1 a node failed (dbt's ResultExit), 2 dbt itself failed
            code = 0 if ran.success else 1 if ran.exception is None else 2
        elif refusal:
            print(f"clusterscore-dbt: parsing again, not as parsed ahead: {refusal}", flush=True)
            code = _dbt_in_a_new_process(request["args"])
        else:
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


def _dbt_in_a_new_process(args: list[str]) -> int:
    """dbt in a process of its own, for a fork that must not parse: the server's parse ahead started the threads of
    dbt's static parser (native), which a fork does not have, so a parse in the fork waits for them for ever."""
    process = subprocess.Popen([str(DBT), *args])  # this fork's folder, environment and standard streams
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # stopped as dbt is: passed on
            process.send_signal(signal.SIGINT)


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
def running(parse_ahead: dict | None = None) -> Iterator[str]:
    """A dbt server for the duration of the block, announced to dbt clients through the environment; with
    `parse_ahead` ({"cwd": ..., "env": ...}: those of the block's dbt invocations) it parses the project ahead."""
    with tempfile.TemporaryDirectory(prefix="clusterscore-dbt-") as folder:
        path = str(Path(folder) / "dbt.sock")
        server = subprocess.Popen([sys.executable, "-m", "clusterscore.dbt_server", path, str(os.getpid())])
        deadline = time.monotonic() + 10
        while not os.path.exists(path) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # it binds before it imports dbt: a few hundredths of a second
        if parse_ahead is not None and (sock := _connect(path)) is not None:
            with sock:  # the first request: the server reads it once its imports are done
                env = {**parse_ahead["env"], SERVER_ENV: path}  # as the invocations will have it
                _request(sock, {"cwd": parse_ahead["cwd"], "env": env, "parse_ahead": True}, [])
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
    signal.signal(signal.SIGTERM, lambda *_: exit_at_once(0))  # a parse ahead made dbt's locks here too
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the refresh ends the server
    serve(sys.argv[1], int(sys.argv[2]))
