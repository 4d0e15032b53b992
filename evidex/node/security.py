"""Security of the local node: a generated service user in the file realm, its credentials, private files.

The node runs with ``xpack.security.enabled: true`` (HTTP and transport TLS off: it listens on loopback only).
Evidex talks to it as one service user whose password is generated once and kept in
``<es_home>/credentials.json`` (mode 0600, owned by the operator that starts the node, not by the node's user).
The user holds the role ``evidex_app``: cluster monitoring and index templates, every right on indices, nothing
on security or cluster settings. The node's own data, logs and configuration are made private to its user.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

CREDENTIALS_FILE = "credentials.json"
SERVICE_USER = "evidex"
SERVICE_ROLE = "evidex_app"
ROLES_YML = f"""# Written by Evidex: the one role of its service user.
{SERVICE_ROLE}:
  cluster: ["monitor", "manage_index_templates"]
  indices:
    - names: ["*"]
      privileges: ["all"]
"""
SECURITY_SETTINGS = {
    "xpack.security.enabled": "true",
    "xpack.security.http.ssl.enabled": "false",
    "xpack.security.transport.ssl.enabled": "false",
    "xpack.security.authc.realms.file.evidex_file.order": "0",
    "xpack.security.authc.reserved_realm.enabled": "false",
}
"""Settings of the node's ``elasticsearch.yml`` that turn security on (loopback, single node)."""


class CredentialsError(RuntimeError):
    """The local node's credentials are missing, unreadable or could not be created; the message says why."""


@dataclass(frozen=True)
class Credentials:
    """User name and password of the service user of the local node."""

    username: str
    password: str


def credentials_path(es_home: Path) -> Path:
    return es_home / CREDENTIALS_FILE


def read_credentials(es_home: Path) -> Credentials | None:
    """The stored credentials, ``None`` when none were generated yet."""
    path = credentials_path(es_home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(str(data["username"]), str(data["password"]))
    except FileNotFoundError:
        return None
    except PermissionError as exc:
        raise CredentialsError(f"cannot read the local node's credentials {path}: run Evidex as the user that "
                               f"started the node, or set EVIDEX_ES_USERNAME/EVIDEX_ES_PASSWORD") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CredentialsError(f"the local node's credentials {path} are damaged ({exc}); delete the file and "
                               f"restart the node (evidex es stop; evidex es start) to generate new ones") from exc


def create_credentials(es_home: Path) -> Credentials:
    """Generate a password and store it atomically (0600); an existing file is replaced only by this call."""
    creds = Credentials(SERVICE_USER, secrets.token_urlsafe(30))
    path = credentials_path(es_home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{CREDENTIALS_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"username": creds.username, "password": creds.password,
                   "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}, fh)
    os.replace(tmp, path)
    return creds


def realm_has_user(config_dir: Path, username: str = SERVICE_USER) -> bool:
    """True when the file realm of ``config_dir`` lists ``username`` with the service role."""
    try:
        users = (config_dir / "users").read_text(encoding="utf-8").splitlines()
        roles = (config_dir / "users_roles").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    has_user = any(line.split(":", 1)[0] == username for line in users)
    has_role = any(line.split(":", 1)[0] == SERVICE_ROLE and username in line.split(":", 1)[1].split(",")
                   for line in roles if ":" in line)
    return has_user and has_role


def add_realm_user(es_dir: Path, env: dict[str, str], creds: Credentials) -> None:
    """Write the role file and (re)create the service user with ``bin/elasticsearch-users``.

    The password goes through standard input, never the command line.
    """
    config = Path(env["ES_PATH_CONF"])
    (config / "roles.yml").write_text(ROLES_YML, encoding="utf-8")
    tool = str(es_dir / "bin" / "elasticsearch-users")
    users = (config / "users").read_text(encoding="utf-8") if (config / "users").exists() else ""
    if any(line.split(":", 1)[0] == creds.username for line in users.splitlines()):
        subprocess.run([tool, "userdel", creds.username], env=env, capture_output=True, text=True, check=False)
    proc = subprocess.run([tool, "useradd", creds.username, "-r", SERVICE_ROLE], env=env, capture_output=True,
                          text=True, input=f"{creds.password}\n{creds.password}\n")
    if proc.returncode != 0 or not realm_has_user(config, creds.username):
        raise CredentialsError(f"could not create the node's service user (exit {proc.returncode}):\n"
                               f"{(proc.stdout + proc.stderr)[-2000:]}")


def make_private(roots: Iterable[Path], uid: int | None = None, gid: int | None = None) -> None:
    """Make every directory 0700 and every file at most 0600 (dropping group and other bits), optionally chowned."""
    for root in roots:
        if not root.exists():
            continue
        for path in [root, *root.rglob("*")]:
            if path.is_symlink():
                continue
            info = path.lstat()
            if uid is not None and (info.st_uid != uid or info.st_gid != gid):
                os.chown(path, uid, gid if gid is not None else -1)
            mode = stat.S_IMODE(info.st_mode)
            private = 0o700 if stat.S_ISDIR(info.st_mode) else mode & 0o700
            if mode != private:
                os.chmod(path, private)


def world_readable(roots: Iterable[Path], bits: int = 0o044) -> list[Path]:
    """Files and directories under ``roots`` that a user other than the owner may read (``bits`` of their mode
    set). A live node's data directory changes while it is walked: what vanishes meanwhile is not reported."""
    found = []
    for root in roots:
        found += _exposed(Path(root), bits)
        for folder, dirs, files in os.walk(root):  # a folder removed under the walk is skipped
            found += [p for name in dirs + files for p in _exposed(Path(folder) / name, bits)]
    return found


def _exposed(path: Path, bits: int) -> list[Path]:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return []
    return [path] if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & bits else []
