"""The local node's credentials and private files, on real files (no node needed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from evidex.node.security import (
    CredentialsError,
    create_credentials,
    make_private,
    read_credentials,
    realm_has_user,
    world_readable,
)


def test_credentials_are_generated_private_and_read_back(tmp_path: Path) -> None:
    assert read_credentials(tmp_path) is None
    first = create_credentials(tmp_path)
    path = tmp_path / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_credentials(tmp_path) == first
    assert len(first.password) >= 30 and create_credentials(tmp_path).password != first.password
    assert not list(tmp_path.glob(".*.tmp"))


def test_damaged_credentials_say_how_to_recover(tmp_path: Path) -> None:
    (tmp_path / "credentials.json").write_text("{not json")
    with pytest.raises(CredentialsError, match="delete the file"):
        read_credentials(tmp_path)


def test_realm_needs_the_user_and_its_role(tmp_path: Path) -> None:
    (tmp_path / "users").write_text("evidex:$2a$10$abc\n")
    (tmp_path / "users_roles").write_text("superuser:someone\n")
    assert not realm_has_user(tmp_path)
    (tmp_path / "users_roles").write_text("evidex_app:other,evidex\n")
    assert realm_has_user(tmp_path)


def test_make_private_removes_group_and_other_bits(tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "f").write_text("x")
    os.chmod(tmp_path / "d" / "e" / "f", 0o664)
    os.chmod(tmp_path / "d" / "e", 0o775)
    assert world_readable([tmp_path / "d"])
    make_private([tmp_path / "d"])
    assert world_readable([tmp_path / "d"]) == []
    assert stat.S_IMODE((tmp_path / "d" / "e" / "f").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "d" / "e").stat().st_mode) == 0o700


def test_a_node_configured_before_security_is_rewritten_with_it(tmp_path: Path) -> None:
    from evidex.node.local import LocalNode
    from evidex.settings import load_settings

    node = LocalNode(load_settings(data_dir=tmp_path, es_dir=tmp_path / "es"))
    (node.home / "config").mkdir(parents=True)
    (node.home / "config" / "elasticsearch.yml").write_text("xpack.security.enabled: false\n")
    node._write_config(9999, 9998)
    config = (node.home / "config" / "elasticsearch.yml").read_text()
    assert "xpack.security.enabled: true" in config and "xpack.security.enabled: false" not in config
    assert "xpack.security.http.ssl.enabled: false" in config and "network.host: 127.0.0.1" in config
