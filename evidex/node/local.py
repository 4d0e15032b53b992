"""The local single-node Elasticsearch that Evidex runs for itself.

The minimal distribution (``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip``) is
fetched from Maven Central with ``mvn dependency:copy`` into a cache directory, unpacked under the data
directory and started as a non-root user, bound to 127.0.0.1, with an explicit heap and security on (a
generated service user, see ``evidex.node.security``); its data, logs and configuration are private to its user.
Nothing here runs when ``EVIDEX_ES_URL`` points at an existing cluster.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from evidex.node.security import (
    SECURITY_SETTINGS,
    Credentials,
    CredentialsError,
    add_realm_user,
    create_credentials,
    make_private,
    read_credentials,
    realm_has_user,
)
from evidex.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
GROUP_ID = "org.elasticsearch.distribution.integ-test-zip"


class NodeError(RuntimeError):
    """The local node could not be prepared, started or stopped; the message says why."""


@dataclass(frozen=True)
class NodeStatus:
    running: bool
    url: str
    pid: int | None
    health: str | None
    version: str
    security: str | None = None
    """``on`` (anonymous requests refused), ``off`` (a node started before security: restart it), or unknown."""


@dataclass(frozen=True)
class Probe:
    """What the node's HTTP port answered: anything at all, its health, whether it refuses anonymous requests."""

    answers: bool
    health: str | None
    secured: bool | None


def dist_cache_dir() -> Path:
    return Path(os.environ.get("EVIDEX_DIST_CACHE", REPO_ROOT / ".cache" / "dist"))


def fetch_distribution(version: str) -> Path:
    """Return the distribution zip, fetching it with ``mvn dependency:copy`` when it is not cached yet."""
    cache = dist_cache_dir()
    target = cache / f"elasticsearch-{version}.zip"
    if target.is_file() and zipfile.is_zipfile(target):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn", "-q", "-B", "dependency:copy",
        f"-Dartifact={GROUP_ID}:elasticsearch:{version}:zip",
        f"-DoutputDirectory={cache}", "-Dmdep.overWriteReleases=false",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cache)
    if proc.returncode != 0 or not target.is_file():
        raise NodeError(
            f"could not fetch Elasticsearch {version} with Maven:\n$ {' '.join(cmd)}\n"
            + (proc.stdout + proc.stderr)[-3000:]
        )
    return target


class LocalNode:
    """Prepare, start, stop and inspect the project's own node under ``settings.es_home``."""

    CLUSTER = "evidex-local"

    def __init__(self, settings: Settings, *, name: str = "evidex-1", transport_port: int = 0,
                 peers: tuple[tuple[str, int], ...] = ()) -> None:
        self.settings = settings
        self.name, self.transport_port, self.peers = name, transport_port, peers  # peers: (name, transport port)
        self.base = settings.es_home
        self.home = self.base / f"elasticsearch-{settings.es_version}"
        self.state_file = self.base / "node.json"

    # -- where it listens ------------------------------------------------------
    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    @property
    def url(self) -> str:
        port = self.state().get("port", self.settings.es_local_port)
        return f"http://127.0.0.1:{port}"

    def pid(self) -> int | None:
        try:
            pid = int((self.base / "node.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        # a pid left in the file may since belong to another process: only ours is reported
        return pid if str(self.home).encode() in cmdline else None

    def credentials(self) -> Credentials | None:
        """The service user's credentials (``None`` before the node was first configured)."""
        return read_credentials(self.base)

    def _get(self, path: str, creds: Credentials | None, timeout: float) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.url}{path}")
        if creds is not None:
            token = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, {}

    def probe(self, timeout: float = 2.0) -> Probe:
        """Ask the port anonymously, then (when refused) as the service user."""
        try:
            code, body = self._get("/_cluster/health", None, timeout)
            if code == 401:
                try:
                    creds = self.credentials()
                except CredentialsError:
                    creds = None
                code, body = self._get("/_cluster/health", creds, timeout) if creds else (401, {})
                return Probe(True, body.get("status") if code == 200 else None, True)
            return Probe(True, body.get("status") if code == 200 else None, False)
        except (urllib.error.URLError, OSError, ValueError):
            return Probe(False, None, None)

    def health(self, timeout: float = 2.0) -> str | None:
        return self.probe(timeout).health

    def status(self) -> NodeStatus:
        pid = self.pid()
        probe = self.probe() if pid else Probe(False, None, None)
        security = None if probe.secured is None else ("on" if probe.secured else "off")
        return NodeStatus(pid is not None and probe.health is not None, self.url, pid, probe.health,
                          self.settings.es_version, security)

    # -- preparing -------------------------------------------------------------
    def _user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        name = self.settings.es_user
        try:
            return pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                check=True, capture_output=True,
            )
            return pwd.getpwnam(name)

    def prepare(self) -> None:
        """Unpack the distribution (once) and write its configuration."""
        self.base.mkdir(parents=True, exist_ok=True)
        if not (self.home / "bin" / "elasticsearch").exists():
            archive = fetch_distribution(self.settings.es_version)
            tmp = self.base / "unpack.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
            for member in (tmp / self.home.name / "bin").iterdir():
                member.chmod(0o755)
            jdk_bin = tmp / self.home.name / "jdk" / "bin"
            if jdk_bin.is_dir():
                for member in jdk_bin.iterdir():
                    member.chmod(0o755)
            os.replace(tmp / self.home.name, self.home)
            shutil.rmtree(tmp, ignore_errors=True)
        for sub in ("data", "logs", "tmp"):
            (self.base / sub).mkdir(exist_ok=True)

    def _tool_env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("JAVA_", "ES_"))},
            "ES_JAVA_HOME": self.settings.es_java_home,
            "ES_TMPDIR": str(self.base / "tmp"),
            "ES_PATH_CONF": str(self.home / "config"),
        }

    def _ensure_service_user(self) -> None:
        """Generate the service user's password and add it to the file realm, unless both are there already."""
        try:
            creds = self.credentials()
        except CredentialsError as exc:
            raise NodeError(str(exc)) from exc
        if creds is not None and realm_has_user(self.home / "config", creds.username):
            return
        creds = create_credentials(self.base)
        try:
            add_realm_user(self.home, self._tool_env(), creds)
        except CredentialsError as exc:
            raise NodeError(str(exc)) from exc

    def _write_config(self, port: int, transport: int) -> None:
        cfg = self.home / "config"
        lines = {
            "cluster.name": self.CLUSTER,
            "node.name": self.name,
            "path.data": str(self.base / "data"),
            "path.logs": str(self.base / "logs"),
            "network.host": "127.0.0.1",
            "http.port": port,
            "transport.port": transport,
            **self._discovery(),
            **SECURITY_SETTINGS,
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "action.destructive_requires_name": "true",
            # every index is created by index_config with its template and alias; a write to a missing name
            # (a deleted alias, a typo) must fail, not create a stray index that later blocks the alias
            "action.auto_create_index": "false",
        }
        (cfg / "elasticsearch.yml").write_text("".join(f"{k}: {v}\n" for k, v in lines.items()))
        heap = self.settings.es_heap
        (cfg / "jvm.options.d").mkdir(exist_ok=True)
        (cfg / "jvm.options.d" / "evidex.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")

    def _discovery(self) -> dict[str, str]:
        """One node alone, or a member of a cluster on loopback that forms from ``peers`` (all its members)."""
        if not self.peers:
            return {"discovery.type": "single-node"}
        return {"discovery.seed_hosts": json.dumps([f"127.0.0.1:{port}" for _, port in self.peers]),
                "cluster.initial_master_nodes": json.dumps([name for name, _ in self.peers])}

    def private_paths(self) -> list[Path]:
        """What only the node's user may read: its configuration (realm, keystore), data, logs, temp files."""
        return [self.home / "config", self.base / "data", self.base / "logs", self.base / "tmp"]

    def _secure_files(self, user: pwd.struct_passwd | None) -> None:
        uid, gid = (user.pw_uid, user.pw_gid) if user else (None, None)
        make_private(self.private_paths(), uid, gid)
        if user is not None:
            os.chown(self.base, user.pw_uid, user.pw_gid)  # it writes its pid file here
            self._traversable()
        os.chmod(self.base, 0o700)

    def _traversable(self) -> None:
        # every parent must be traversable by the node's user
        for parent in self.base.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)

    # -- running ---------------------------------------------------------------
    def start(self, wait: bool = True) -> NodeStatus:
        """Start the node unless it already runs; wait until ``/_cluster/health`` answers (unless ``wait`` is
        False: a cluster member answers only once the cluster has formed)."""
        current = self.status()
        if current.running or (self.state_file.exists() and self.probe().answers):
            # running (also when its pid file was lost: never a second node on the same data); a port that
            # answers before this home ever started a node belongs to another node, and a free one is taken
            return current
        self.prepare()
        port = self._pick_port(self.settings.es_local_port)
        transport = self.transport_port or _free_port()
        self._write_config(port, transport)  # rewritten at every start: a node from before security gets it
        self._ensure_service_user()
        self.state_file.write_text(json.dumps({"port": port, "version": self.settings.es_version}))
        user = self._user()
        self._secure_files(user)
        pidfile = self.base / "node.pid"
        pidfile.unlink(missing_ok=True)
        cmd = [str(self.home / "bin" / "elasticsearch"), "-d", "-p", str(pidfile)]
        proc = subprocess.run(
            cmd, env=self._tool_env(), capture_output=True, text=True, cwd=self.base, umask=0o077,
            user=user.pw_uid if user else None, group=user.pw_gid if user else None,
        )
        if proc.returncode != 0:
            raise NodeError(f"Elasticsearch did not start (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
                            f"{proc.stderr[-2000:]}\n{self.log_tail()}")
        return self.wait_healthy() if wait else self.status()

    def wait_healthy(self) -> NodeStatus:
        pidfile = self.base / "node.pid"
        deadline = time.monotonic() + self.settings.es_start_timeout_s
        while time.monotonic() < deadline:
            if self.health() in ("green", "yellow"):
                return self.status()
            if self.pid() is None and pidfile.exists():
                break
            time.sleep(1.0)
        raise NodeError(f"Elasticsearch did not answer on {self.url} in time.\n{self.log_tail()}")

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the node; True when one was running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.5)
        if self.pid() is not None:
            os.kill(pid, signal.SIGKILL)
        (self.base / "node.pid").unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 40) -> str:
        logs = self.base / "logs" / f"{self.CLUSTER}.log"
        if not logs.exists():
            return "(no node log yet)"
        return "--- node log (tail) ---\n" + "\n".join(logs.read_text(errors="replace").splitlines()[-lines:])

    @staticmethod
    def _pick_port(preferred: int) -> int:
        return preferred if _port_free(preferred) else _free_port()


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
