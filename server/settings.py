"""Settings: one table of (name, default, help) feeds the environment, the CLI and the README.

Each setting is read from the environment variable ``SIGNAL_REGISTRY_<NAME>`` (upper case), except
``DATABASE_URL`` which keeps its conventional name. A test fails when one is undocumented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path


class Mode(StrEnum):
    """How the product runs: production (every guard on), the demo, or the tests."""

    PRODUCTION = "production"
    DEMO = "demo"
    TEST = "test"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "DATABASE_URL", "sqlite:///data/signal-registry.db",
            "SQLAlchemy URL of the database; SQLite file (default) or postgresql://..."),
    Setting("secret_key", "SIGNAL_REGISTRY_SECRET_KEY", "",
            "Flask session and CSRF signing key; generated per process when empty (demo/test)."),
    Setting("master_secret", "SIGNAL_REGISTRY_MASTER_SECRET", "",
            "Master secret for keyed pseudonyms (64 hex characters). Never stored in the database."),
    Setting("master_secret_file", "SIGNAL_REGISTRY_MASTER_SECRET_FILE", "",
            "Path to a file (mode 600) that holds the master secret, instead of the variable."),
    Setting("signing_key_file", "SIGNAL_REGISTRY_SIGNING_KEY_FILE", "",
            "Path to the Ed25519 key (mode 600, 64 hex characters) that signs releases; required in "
            "production, created on first start in demo/test."),
    Setting("mode", "SIGNAL_REGISTRY_MODE", "production",
            "production, demo or test; outside demo/test a master secret is required."),
    Setting("data_dir", "SIGNAL_REGISTRY_DATA_DIR", "data",
            "Folder for the embedded database, demo secrets and release files."),
    Setting("retention_years", "SIGNAL_REGISTRY_RETENTION_YEARS", "5",
            "How many years raw signals are kept before `purge` removes them."),
    Setting("coarsen_threshold", "SIGNAL_REGISTRY_COARSEN_THRESHOLD", "50",
            "Units with fewer FTE than this are merged into their parent in every release."),
    Setting("contribution_bound", "SIGNAL_REGISTRY_CONTRIBUTION_BOUND", "3",
            "Most contacts one case may add to contact counts per calendar year (K)."),
    Setting("privacy_cap_epsilon", "SIGNAL_REGISTRY_PRIVACY_CAP_EPSILON", "4",
            "Most one case may lose per data year, over all releases and consumers (epsilon)."),
    Setting("privacy_cap_delta", "SIGNAL_REGISTRY_PRIVACY_CAP_DELTA", "0.000001",
            "Delta of that cap; at most 0.000001."),
    Setting("rate_limit_storage", "SIGNAL_REGISTRY_RATE_LIMIT_STORAGE", "memory://",
            "Flask-Limiter storage shared by all workers: memory:// (one worker) or redis://host:port."),
    Setting("login_rate_limit", "SIGNAL_REGISTRY_LOGIN_RATE_LIMIT", "120 per minute",
            "Login attempts over all names together; each name is also slowed down step by step."),
    Setting("meldknop_rate_limit", "SIGNAL_REGISTRY_MELDKNOP_RATE_LIMIT", "5 per hour",
            "Stored meldknop signals per visitor (known by an hourly keyed hash of the address)."),
    Setting("meldknop_unit_daily_cap", "SIGNAL_REGISTRY_MELDKNOP_UNIT_DAILY_CAP", "25",
            "Most meldknop signals stored per unit per day; further ones are refused until the next day."),
    Setting("meldknop_work_bits", "SIGNAL_REGISTRY_MELDKNOP_WORK_BITS", "16",
            "Proof-of-work a meldknop submission carries (leading zero bits of a SHA-256)."),
    Setting("api_rate_limit", "SIGNAL_REGISTRY_API_RATE_LIMIT", "600 per minute",
            "Flask-Limiter rule per API token."),
    Setting("api_token_days", "SIGNAL_REGISTRY_API_TOKEN_DAYS", "365",
            "Days an API token is valid after it is created."),
    Setting("session_idle_minutes", "SIGNAL_REGISTRY_SESSION_IDLE_MINUTES", "30",
            "Minutes without a request after which a signed-in session ends."),
    Setting("activation_hours", "SIGNAL_REGISTRY_ACTIVATION_HOURS", "72",
            "Hours an account's one-time activation (or password reset) link stays valid."),
    Setting("max_request_bytes", "SIGNAL_REGISTRY_MAX_REQUEST_BYTES", "2000000",
            "Largest request body accepted; larger ones get 413."),
    Setting("secure_cookies", "SIGNAL_REGISTRY_SECURE_COOKIES", "true",
            "Send session cookies with the Secure flag (turn off only for plain-http local use)."),
    Setting("request_timeout", "SIGNAL_REGISTRY_REQUEST_TIMEOUT", "120",
            "Seconds a request may run under gunicorn; a worker with a longer one is replaced."),
)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    master_secret: str
    master_secret_file: str
    signing_key_file: str
    mode: Mode
    data_dir: str
    retention_years: int
    coarsen_threshold: int
    contribution_bound: int
    privacy_cap_epsilon: str
    privacy_cap_delta: str
    rate_limit_storage: str
    login_rate_limit: str
    meldknop_rate_limit: str
    meldknop_unit_daily_cap: int
    meldknop_work_bits: int
    api_rate_limit: str
    api_token_days: int
    session_idle_minutes: int
    activation_hours: int
    max_request_bytes: int
    secure_cookies: bool
    request_timeout: int

    def __post_init__(self) -> None:
        if not isinstance(self.mode, Mode):
            raise ValueError(f"mode must be production, demo or test, not {self.mode!r}")
        for name in ("retention_years", "coarsen_threshold", "contribution_bound",
                     "request_timeout", "meldknop_unit_daily_cap", "api_token_days",
                     "session_idle_minutes", "activation_hours"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0 <= self.meldknop_work_bits <= 24:
            raise ValueError("meldknop_work_bits must be between 0 and 24")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for setting in SETTINGS:
            values[setting.name] = environ.get(setting.env, setting.default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls._coerce(values)

    @classmethod
    def _coerce(cls, values: dict[str, object]) -> Settings:
        out: dict[str, object] = {}
        for f in fields(cls):
            raw = values[f.name]
            if f.type == "int":
                out[f.name] = int(raw)  # type: ignore[call-overload]
            elif f.type == "Mode":
                # An unknown mode stays a str, which __post_init__ refuses with its message.
                out[f.name] = Mode(str(raw)) if str(raw) in set(Mode) else str(raw)
            elif f.type == "bool":
                out[f.name] = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
            else:
                out[f.name] = str(raw)
        return cls(**out)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return self._coerce(values)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)
