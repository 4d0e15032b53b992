"""Throwaway PostgreSQL and S3 servers on loopback, for tests, benchmarks and trying a scaled-out set-up on one
machine (production points ``EVIDEX_CATALOG_URL`` and ``EVIDEX_STORE_URL`` at real ones).

PostgreSQL comes from Debian's ``postgresql`` package and refuses to run as root, so under root it runs as the
system user ``evidex-pg`` (created here when missing, as ``scripts/setup.sh`` does). The S3 server is s3proxy
from Maven Central (fetched by ``scripts/setup.sh``) with its filesystem backend, on Java 17.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PG_USER = "evidex-pg"
S3PROXY = "org/gaul/s3proxy/2.6.0/s3proxy-2.6.0-jar-with-dependencies.jar"
JAVA_CANDIDATES = ("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")


class PartMissing(RuntimeError):
    """A server's binaries are not installed (run ``scripts/setup.sh``)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_bindir() -> Path:
    """Directory of ``initdb``, ``pg_ctl`` and ``postgres`` (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    raise PartMissing("PostgreSQL binaries not found (Debian package postgresql; run scripts/setup.sh)")


def ensure_pg_user() -> str | None:
    """The user PostgreSQL runs as: ``evidex-pg`` under root (created if missing), else the current user."""
    if os.geteuid() != 0:
        return None
    if subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
                       check=True, capture_output=True)
    return PG_USER


@dataclass
class LocalPostgres:
    """A PostgreSQL cluster in ``home`` on a free loopback port; ``url(db)`` names one of its databases."""

    home: Path
    port: int = 0
    password: str = ""

    def start(self, timeout_s: float = 60.0) -> "LocalPostgres":
        bindir = pg_bindir()
        user = ensure_pg_user()
        self.port = self.port or free_port()
        self.password = self.password or secrets.token_hex(12)
        data, run = self.home / "data", self.home / "run"
        self.home.mkdir(parents=True, exist_ok=True)
        if user and subprocess.run(["test", "-x", str(self.home.parent)], user=user).returncode != 0:
            raise RuntimeError(f"{user} cannot enter {self.home.parent}: PostgreSQL's directory needs a parent "
                               f"every user may traverse (chmod o+x)")
        for path in (self.home, run):
            path.mkdir(parents=True, exist_ok=True)
            if user:
                shutil.chown(path, user)
            os.chmod(path, 0o700)
        if not (data / "PG_VERSION").exists():
            pwfile = self.home / "pw"
            pwfile.write_text(self.password + "\n")
            if user:
                shutil.chown(pwfile, user)
            self._run(user, [str(bindir / "initdb"), "-D", str(data), "-U", "evidex", "--auth=scram-sha-256",
                             f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"], timeout_s)
            pwfile.unlink()
            (self.home / "password").write_text(self.password)
        else:
            self.password = (self.home / "password").read_text().strip()
        opts = f"-p {self.port} -k {run} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(user, [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.home / "log"), "-w",
                         "-t", str(int(timeout_s)), "start"], timeout_s + 10)
        return self

    def stop(self) -> None:
        data = self.home / "data"
        if (data / "postmaster.pid").exists():
            self._run(ensure_pg_user(), [str(pg_bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                      60)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://evidex:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @staticmethod
    def _run(user: str | None, cmd: list[str], timeout_s: float) -> None:
        done = subprocess.run(cmd, user=user, cwd="/", capture_output=True, text=True, timeout=timeout_s)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def s3proxy_jar() -> Path:
    repo = Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))
    jar = repo / S3PROXY
    if not jar.is_file():
        raise PartMissing(f"s3proxy not found at {jar} (run scripts/setup.sh: mvn dependency:get "
                          f"-Dartifact=org.gaul:s3proxy:2.6.0:jar:jar-with-dependencies)")
    return jar


def java() -> str:
    for path in JAVA_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("java")
    if not found:
        raise PartMissing("no Java found for s3proxy (Debian package openjdk-17-jre-headless)")
    return found


@dataclass
class LocalS3:
    """s3proxy on a free loopback port with its filesystem backend under ``home``."""

    home: Path
    port: int = 0
    access_key: str = "evidex"
    secret_key: str = ""
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> "LocalS3":
        jar, runner = s3proxy_jar(), java()
        self.port = self.port or free_port()
        self.secret_key = self.secret_key or secrets.token_hex(16)
        (self.home / "buckets").mkdir(parents=True, exist_ok=True)
        props = self.home / "s3proxy.properties"
        props.write_text("\n".join([
            f"s3proxy.endpoint={self.endpoint}", "s3proxy.authorization=aws-v2-or-v4",
            f"s3proxy.identity={self.access_key}", f"s3proxy.credential={self.secret_key}",
            "jclouds.provider=filesystem", f"jclouds.filesystem.basedir={self.home / 'buckets'}", ""]))
        os.chmod(props, 0o600)
        log = open(self.home / "s3proxy.log", "ab")
        self.process = subprocess.Popen([runner, "-Xmx256m", "-jar", str(jar), "--properties", str(props)],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.home / "s3proxy.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"s3proxy exited with {self.process.returncode}: {tail}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"s3proxy did not listen on {self.endpoint} within {timeout_s:.0f} s")

    def client(self):  # noqa: ANN201 - a boto3 S3 client
        """A boto3 client of this server (path-style, checksums only when required, as s3proxy wants)."""
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            config=Config(request_checksum_calculation="when_required",
                                          response_checksum_validation="when_required",
                                          s3={"addressing_style": "path"}))

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
