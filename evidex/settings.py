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
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ES_VERSION = "9.2.4"
"""Elasticsearch version of the local node (Maven Central's minimal ``integ-test-zip`` distribution)."""


def _default_data_dir() -> Path:
    return Path(os.environ.get("EVIDEX_DATA_DIR", Path.cwd() / "data")).resolve()


_data_dir_hint: Path | None = None
"""The data directory given to ``load_settings``, so its ``evidex.toml`` is the one read."""


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``[evidex]`` (or the top level) of a TOML file, if one exists."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("EVIDEX_CONFIG")
        candidate = Path(path) if path else (_data_dir_hint or _default_data_dir()) / "evidex.toml"
        if not candidate.is_file():
            return {}
        with candidate.open("rb") as fh:
            data = tomli.load(fh)
        return dict(data.get("evidex", data))


def write_key_once(path: Path) -> None:
    """Create ``path`` (0600) holding a random 256-bit key in hex, unless it exists; safe against a concurrent
    creator: the key is linked into place whole, and the loser keeps the winner's key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


TASK_FORCE_AGENCIES = ("knpa", "pipc", "fsc", "fss", "ftc", "moel", "nts", "kcc", "msit", "kisa", "molit")
"""Police, data protection, financial services (commission and supervisor), fair trade, labour, tax,
communications, science/ICT, internet security agency and transport (logistics)."""
SHARE_ALL = "task-force"


class UnknownAgency(ValueError):
    """An agency name that is not in the configured list."""


class Settings(BaseSettings):
    """Every tunable of Evidex; see ``docs/configuration.md`` for each one."""

    model_config = SettingsConfigDict(env_prefix="EVIDEX_", extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir, description=(
        "Where everything local lives: evidence store, catalogue, local node, Prefect home, audit journal."))
    # Elasticsearch: empty URL means "run the local node".
    es_url: str = Field("", description=(
        "URL of an existing Elasticsearch cluster (several nodes: comma-separated URLs); empty runs the local node."))
    es_username: str = Field("", description="User name for the cluster (basic auth).")
    es_password: str = Field("", description="Password for the cluster (basic auth).")
    es_api_key: str = Field("", description="API key for the cluster (instead of user name and password).")
    es_ca_certs: str = Field("", description="CA bundle that signed the cluster's certificate.")
    es_verify_certs: bool = Field(True, description="Verify the cluster's TLS certificate.")
    es_index_prefix: str = Field("evidex", description="Prefix of the aliases (<prefix>-docs, <prefix>-audit).")
    es_shards: int = Field(1, ge=1, description=(
        "Primary shards of every index Evidex creates (a new index version and `evidex reindex` to change it)."))
    es_replicas: int = Field(0, ge=0, description=(
        "Replicas of every index (applied to existing indices too; 1 or more on a cluster of several nodes)."))
    es_dir: Path | None = Field(None, description="Home of the local node (default <data_dir>/es).")
    es_local_port: int = Field(9200, description="HTTP port of the local node (a free one is taken if busy).")
    es_heap: str = Field("1g", description="Java heap of the local node (-Xms/-Xmx).")
    es_version: str = Field(ES_VERSION, description="Elasticsearch version of the local node.")
    es_java_home: str = Field("/usr/lib/jvm/temurin-25-jdk-amd64", description="JDK that runs the local node.")
    es_user: str = Field("evidex-es", description="System user that runs the local node when Evidex runs as root.")
    es_start_timeout_s: float = Field(180.0, description="Seconds to wait for the local node to answer.")
    bulk_max_bytes: int = Field(4 * 1024 * 1024, description="Largest bulk request sent to Elasticsearch.")
    # Pipeline
    chunk_size: int = Field(50, description="Items per Prefect task run.")
    chunk_max_mb: int = Field(256, description="A chunk ends early once its files add up to this size.")
    workers: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)),
                         description="Extraction worker processes (contained: time and memory limits).")
    enrich_workers: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)),
                                description="Processes for enrichment and index-time analysis (1: in-process).")
    enrich_service: bool = Field(True, description="Use the enrichment service `evidex server start` runs (models "
                                 "kept loaded between batches) when it answers with the same configuration.")
    extract_timeout_s: float = Field(120.0, description="Wall-clock limit for reading one file.")
    extract_memory_mb: int = Field(2048, description="Address-space limit of an extraction worker.")
    max_file_mb: int = Field(2048, description="Files larger than this are recorded as too_large, unread.")
    max_text_chars: int = Field(20_000_000, description=(
        "Text kept per file for search (the rest is cut, status partial; identifiers are still counted whole)."))
    ocr_languages: str = Field("kor+eng", description="Tesseract languages when a batch names none.")
    ocr_enabled: bool = Field(True, description="OCR pages and images without a text layer.")
    ocr_pictures: bool = Field(True, description=(
        "OCR the pictures inside documents (DOCX/PPTX/XLSX/ODF/HWP/DOC/XLS/PPT), their text in [picture NAME] "
        "sections; needs ocr_enabled."))
    pdf_tables: bool = Field(True, description=(
        "Find ruled tables in PDF pages (rows as tab-separated lines, cells in pages[].tables); only pages with "
        "drawn path objects are looked at, within a per-document cap."))
    ner_enabled: bool = Field(True, description="Tag named entities (Korean and English NER).")
    topics_enabled: bool = Field(True, description="Classify documents into the task force's topics.")
    index_wait_s: float = Field(120.0, description=(
        "How long a chunk waits, retrying with backoff, for an unavailable or timing-out Elasticsearch before "
        "the run stops with a summary (its items stay pending for the next run)."))
    progress: str = Field("auto", description=(
        "Progress display of ingest and reindex: auto (a bar on a terminal, one line per chunk when piped), "
        "bar, lines or off."))
    prefect_server_port: int = Field(4207, description=(
        "Loopback port of the Prefect server started by `evidex server start`."))
    prefect_linger_s: float = Field(0.0, description=(
        "With no Prefect server: seconds the temporary server a run starts stays up idle after the last run "
        "using it ends, so the next run skips its start-up (a daemon per PREFECT_HOME; it stops at once when "
        "a run using it is killed; `evidex server stop` stops it). 0: it stops with its run."))
    work_pool: str = Field("evidex", description=(
        "Prefect work pool of Evidex's deployments (drop-folder schedules); `evidex worker start` joins it."))
    worker_limit: int = Field(2, description=(
        "Flow runs one Evidex worker runs at the same time (runs over one drop folder never overlap)."))
    worker_poll_s: float = Field(5.0, description="Seconds between a worker's polls of its work pool.")
    spread_workers: int = Field(0, description=(
        "Helper runs of the work pool started for each ingested batch (they claim chunks beside the run that "
        "owns the batch; needs a Prefect server and workers). 0: the owning run alone."))
    claim_timeout_s: float = Field(3600.0, description=(
        "Claims on items older than this are given back to be processed by another worker (a machine gone)."))
    taxonomy_dir: Path | None = Field(None, description=(
        "Directory of agencies' own topic files (*.toml) merged into the taxonomy (default <data_dir>/taxonomy)."))
    topics_dir: Path | None = Field(None, description=(
        "Topic model to use (default: this deployment's retrained model, else the shipped one)."))
    # Security
    hmac_secret: str = Field("", description=(
        "Key of the hashes of personal identifiers (default: generated once into <data_dir>/secret.key)."))
    agencies: list[str] = Field(default_factory=lambda: list(TASK_FORCE_AGENCIES), description=(
        "Agencies of the task force (JSON list). Batches, shares, users and filters naming another are refused."))
    token_ttl_days: int = Field(90, description="Days an API token stays valid (0: no expiry).")
    max_upload_mb: int = Field(4096, description="Largest batch a clerk may upload through the web page (all files).")
    # Scaling out: a shared catalogue and an object store (empty: SQLite and a directory under data_dir)
    catalog_url: str = Field("", description=(
        "PostgreSQL catalogue shared by every machine (postgresql://user:password@host:5432/db); its database also "
        "holds the custody log and the audit journal. Empty: the SQLite catalogue under the store directory."))
    catalog_pool_size: int = Field(4, description=(
        "Most connections one process keeps open to the PostgreSQL catalogue."))
    store_url: str = Field("", description=(
        "S3 bucket of the evidence store (s3://bucket/prefix); empty: the store directory under data_dir."))
    s3_endpoint: str = Field("", description="Endpoint of an S3-compatible server (empty: AWS S3 of s3_region).")
    s3_region: str = Field("us-east-1", description="Region of the S3 bucket.")
    s3_access_key: str = Field("", description="Access key of the S3 store (empty: boto3's own credential chain).")
    s3_secret_key: SecretStr = Field(SecretStr(""), description="Secret key of the S3 store (never logged).")

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

    def check_agency(self, name: str, *, share: bool = False) -> str:
        """``name`` if it is a known agency (or, for a share, the whole task force); else ``UnknownAgency``."""
        if name in self.agencies or (share and name == SHARE_ALL):
            return name
        known = ", ".join(self.agencies) + (f", {SHARE_ALL}" if share else "")
        raise UnknownAgency(f"unknown agency {name[:80]!r}; known agencies: {known} (setting EVIDEX_AGENCIES)")

    # Derived locations -------------------------------------------------
    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def es_home(self) -> Path:
        return self.es_dir or self.data_dir / "es"

    @field_validator("data_dir", "es_dir", "taxonomy_dir", "topics_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        """Paths are made absolute where the settings are read: a worker's flow run starts in another directory."""
        return value.expanduser().absolute() if value is not None else None

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

    def taxonomy(self) -> Any:
        """The topic taxonomy: the shipped one plus the agencies' files of this deployment."""
        from models.topics import load_taxonomy

        extra = self.taxonomy_dir or self.data_dir / "taxonomy"
        return load_taxonomy([extra] if extra.is_dir() else [])

    def active_topics_dir(self) -> Path:
        """The topic model in use: configured, else this deployment's retrained one, else the shipped one."""
        if self.topics_dir:
            return self.topics_dir
        deployed = self.topics_root / "current"
        if (deployed / "model.joblib").is_file():
            return deployed
        from models import ARTIFACTS_DIR  # not models.topics: that imports scikit-learn

        return ARTIFACTS_DIR / "topics" / "current"

    @property
    def local_es(self) -> bool:
        """True when Evidex runs its own node instead of using ``es_url``."""
        return not self.es_url

    def secret_bytes(self) -> bytes:
        """The deployment's HMAC key: configured, or generated once and kept in the data directory."""
        if self.hmac_secret:
            return self.hmac_secret.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            write_key_once(path)
        return path.read_text().strip().encode()


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; keyword arguments win over everything else."""
    global _data_dir_hint
    given = {k: v for k, v in overrides.items() if v is not None}
    _data_dir_hint = Path(given["data_dir"]) if "data_dir" in given else None
    try:
        return Settings(**given)
    finally:
        _data_dir_hint = None
