"""The one place configuration is read.

Every external component has an embedded default so a laptop needs no servers; a URL swaps in the
real one. Nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GPUBROKER_", env_file=".env", extra="ignore")

    env: str = "dev"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'gpubroker.db'}"
    database_pool_size: int = 10
    redis_url: str | None = None
    cache_ttl_s: int = 60
    cache_max_entries: int = 4096
    snapshot_dir: Path = ROOT / "catalog" / "snapshots"
    load_snapshot_on_start: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    http_timeout_s: float = 10.0
    http_retries: int = 3
    # Adapters read the bundled snapshot unless their provider is listed here (comma separated).
    live_providers: str = ""
    lambda_api_key: SecretStr | None = None
    runpod_api_key: SecretStr | None = None
    llm: str = "offline"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    export_max_rows: int = Field(default=10_000, le=10_000)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def live_provider_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.live_providers.split(",") if p.strip())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
