"""One settings object, read from ``EVIDEX_*`` environment variables and an optional TOML file.

Precedence: explicit keyword arguments > environment > TOML file (``EVIDEX_CONFIG`` or
``<data_dir>/evidex.toml``) > defaults. Defaults run everything on one machine under one data directory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import tomli
from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ES_VERSION = "9.2.4"
"""Elasticsearch version of the local node (Maven Central's minimal ``integ-test-zip`` distribution)."""


def _default_data_dir() -> Path:
    return Path(os.environ.get("EVIDEX_DATA_DIR", Path.cwd() / "data")).resolve()


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``[evidex]`` (or the top level) of a TOML file, if one exists."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("EVIDEX_CONFIG")
        candidate = Path(path) if path else _default_data_dir() / "evidex.toml"
        if not candidate.is_file():
            return {}
        with candidate.open("rb") as fh:
            data = tomli.load(fh)
        return dict(data.get("evidex", data))


class Settings(BaseSettings):
    """Every tunable of Evidex; see ``docs/configuration.md`` for each one."""

    model_config = SettingsConfigDict(env_prefix="EVIDEX_", extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # Elasticsearch: empty URL means "run the local node".
    es_url: str = ""
    es_username: str = ""
    es_password: str = ""
    es_api_key: str = ""
    es_ca_certs: str = ""
    es_verify_certs: bool = True
    es_index_prefix: str = "evidex"
    es_dir: Path | None = None
    es_local_port: int = 9200
    es_heap: str = "1g"
    es_version: str = ES_VERSION
    es_java_home: str = "/usr/lib/jvm/temurin-25-jdk-amd64"
    es_user: str = "evidex-es"
    es_start_timeout_s: float = 180.0
    bulk_max_bytes: int = 4 * 1024 * 1024
    # Pipeline
    chunk_size: int = 50
    workers: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    enrich_workers: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    extract_timeout_s: float = 120.0
    extract_memory_mb: int = 2048
    max_file_mb: int = 2048
    ocr_languages: str = "kor+eng"
    ocr_enabled: bool = True
    ner_enabled: bool = True
    topics_enabled: bool = True
    topics_dir: Path | None = None
    # Security
    hmac_secret: str = ""
    audit_to_index: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls)

    # Derived locations -------------------------------------------------
    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def es_home(self) -> Path:
        return self.es_dir or self.data_dir / "es"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    @property
    def topics_root(self) -> Path:
        """Where this deployment keeps retrained topic models (``current/``, ``candidates/``)."""
        return self.data_dir / "models" / "topics"

    def active_topics_dir(self) -> Path:
        """The topic model in use: configured, else this deployment's retrained one, else the shipped one."""
        if self.topics_dir:
            return self.topics_dir
        deployed = self.topics_root / "current"
        if (deployed / "model.joblib").is_file():
            return deployed
        from models.topics import CURRENT_DIR

        return CURRENT_DIR

    @property
    def local_es(self) -> bool:
        """True when Evidex runs its own node instead of using ``es_url``."""
        return not self.es_url

    @property
    def effective_es_url(self) -> str:
        return self.es_url or f"http://127.0.0.1:{self.es_local_port}"

    def secret_bytes(self) -> bytes:
        """The deployment's HMAC key: configured, or generated once and kept in the data directory."""
        if self.hmac_secret:
            return self.hmac_secret.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_text().strip().encode()


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; keyword arguments win over everything else."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
