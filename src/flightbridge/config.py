"""Read FlightBridge's configuration from the environment and check it before anything starts.

Every setting a deployment can change is an environment variable read here, once. A bad value stops
startup with a `ConfigError` that names the variable; it never echoes a secret's value back.
When the Django secret key or the encryption keys are unset, they are generated once into the data
directory (mode 0600), so a pilot on a laptop needs no configuration at all.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

log = logging.getLogger("flightbridge.config")

ENCRYPTION_KEY_BYTES = 32  # AES-256-GCM


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class DatabaseURL:
    vendor: str  # "sqlite" or "postgresql"
    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database: DatabaseURL
    database_url: str = field(repr=False)
    secret_key: str = field(repr=False)
    encryption_keys: tuple[tuple[str, bytes], ...] = field(repr=False)
    public_url: str
    redis_url: str | None = field(repr=False)
    debug: bool
    mfb_client_id: str
    mfb_client_secret: str = field(repr=False)
    mfb_base_url: str
    mfb_min_call_interval_ms: int
    #: The whole deployment's MyFlightbook calls per second (0 turns the budget off); see myflightbook.pacing.
    mfb_max_calls_per_second: int = 10
    #: A scraper presenting this bearer token may read /metrics from anywhere (loopback needs none).
    metrics_token: str = field(default="", repr=False)
    generated: tuple[str, ...] = ()

    @property
    def mfb_configured(self) -> bool:
        return bool(self.mfb_client_id and self.mfb_client_secret)


def parse_database_url(url: str, data_dir: Path, variable: str = "FLIGHTBRIDGE_DATABASE_URL") -> DatabaseURL:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("sqlite", "sqlite3"):
        # sqlite:///relative/or/absolute/path.sqlite3  (four slashes for an absolute path)
        raw_path = unquote(url.split("://", 1)[1]) if "://" in url else ""
        if raw_path.startswith("/"):
            raw_path = raw_path[1:]
        if not raw_path:
            raise ConfigError(f"{variable}: a sqlite URL needs a file path, e.g. sqlite:///var/flightbridge.sqlite3")
        path = Path(raw_path)
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        return DatabaseURL(vendor="sqlite", name=str(path))
    if scheme in ("postgres", "postgresql", "postgresql+psycopg", "psycopg"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"{variable}: a postgresql URL needs a database name, e.g. postgresql://user@host:5432/flightbridge")
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"{variable}: the port is not a number") from exc
        options = {}
        for pair in filter(None, parts.query.split("&")):
            key, _, value = pair.partition("=")
            options[unquote(key)] = unquote(value)
        return DatabaseURL(
            vendor="postgresql",
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=unquote(parts.hostname or ""),
            port=str(port or ""),
            options=options,
        )
    raise ConfigError(
        f"{variable}: unsupported or malformed database URL (scheme {scheme or 'missing'!r}); "
        "use sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/name"
    )


def parse_encryption_keys(value: str, variable: str = "FLIGHTBRIDGE_ENCRYPTION_KEYS") -> tuple[tuple[str, bytes], ...]:
    """`id:base64key[,id:base64key…]`; the first encrypts, all decrypt."""
    keys: list[tuple[str, bytes]] = []
    for position, item in enumerate(filter(None, (part.strip() for part in value.split(","))), start=1):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id or not encoded:
            raise ConfigError(f"{variable}: entry {position} must look like id:base64key")
        if not key_id.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"{variable}: entry {position} has a key id with characters other than letters, digits, - and _")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ConfigError(f"{variable}: entry {position} ({key_id}) is not valid base64") from exc
        if len(raw) != ENCRYPTION_KEY_BYTES:
            raise ConfigError(
                f"{variable}: key {key_id!r} is {len(raw)} bytes; AES-256-GCM needs {ENCRYPTION_KEY_BYTES}"
            )
        if any(existing == key_id for existing, _ in keys):
            raise ConfigError(f"{variable}: key id {key_id!r} appears twice")
        keys.append((key_id, raw))
    if not keys:
        raise ConfigError(f"{variable}: no keys given")
    return tuple(keys)


def _check_http_url(value: str, variable: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{variable}: {value!r} is not an http(s) URL")
    try:
        parts.port
    except ValueError as exc:
        raise ConfigError(f"{variable}: the port in {value!r} is not a number") from exc
    return value.rstrip("/")


def _check_redis_url(value: str, variable: str = "FLIGHTBRIDGE_REDIS_URL") -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ConfigError(f"{variable}: not a redis:// URL")
    try:
        parts.port
    except ValueError as exc:
        raise ConfigError(f"{variable}: the port is not a number") from exc
    return value


def _read_or_create_secret(path: Path, make: callable) -> tuple[str, bool]:
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # O_EXCL: two processes starting at once must not both write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip(), False
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value, True


def _int_env(env: Mapping[str, str], variable: str, default: int, minimum: int = 0) -> int:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable}: {raw!r} is not a whole number") from exc
    if value < minimum:
        raise ConfigError(f"{variable}: must be at least {minimum}")
    return value


def _metrics_token(env: Mapping[str, str], variable: str = "FLIGHTBRIDGE_METRICS_TOKEN") -> str:
    token = env.get(variable, "").strip()
    if token and len(token) < 16:
        # A short token is guessable by a scraper-shaped brute force; refuse it rather than expose the fleet.
        raise ConfigError(f"{variable}: must be at least 16 characters")
    return token


def load_config(env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    generated: list[str] = []

    data_dir = Path(env.get("FLIGHTBRIDGE_DATA_DIR", "").strip() or "./var").expanduser()
    data_dir = (Path.cwd() / data_dir).resolve() if not data_dir.is_absolute() else data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"FLIGHTBRIDGE_DATA_DIR: {data_dir} exists and is not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"FLIGHTBRIDGE_DATA_DIR: cannot create {data_dir}: {exc.strerror}") from exc

    database_url = env.get("FLIGHTBRIDGE_DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'flightbridge.sqlite3'}"
    database = parse_database_url(database_url, data_dir)

    secret_key = env.get("FLIGHTBRIDGE_SECRET_KEY", "").strip()
    if secret_key:
        if len(secret_key) < 32:
            raise ConfigError("FLIGHTBRIDGE_SECRET_KEY: must be at least 32 characters")
    else:
        secret_key, made = _read_or_create_secret(data_dir / "secret_key", lambda: secrets.token_urlsafe(50))
        if made:
            generated.append("FLIGHTBRIDGE_SECRET_KEY")

    raw_keys = env.get("FLIGHTBRIDGE_ENCRYPTION_KEYS", "").strip()
    if raw_keys:
        encryption_keys = parse_encryption_keys(raw_keys)
    else:
        raw_keys, made = _read_or_create_secret(
            data_dir / "encryption_keys",
            lambda: "k1:" + base64.b64encode(secrets.token_bytes(ENCRYPTION_KEY_BYTES)).decode(),
        )
        encryption_keys = parse_encryption_keys(raw_keys, variable=f"{data_dir / 'encryption_keys'}")
        if made:
            generated.append("FLIGHTBRIDGE_ENCRYPTION_KEYS")

    public_url = _check_http_url(
        env.get("FLIGHTBRIDGE_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000", "FLIGHTBRIDGE_PUBLIC_URL"
    )
    redis_url = env.get("FLIGHTBRIDGE_REDIS_URL", "").strip() or None
    if redis_url:
        redis_url = _check_redis_url(redis_url)

    mfb_base_url = _check_http_url(env.get("MFB_BASE_URL", "").strip() or "https://myflightbook.com", "MFB_BASE_URL")

    return Config(
        data_dir=data_dir,
        database=database,
        database_url=database_url,
        secret_key=secret_key,
        encryption_keys=encryption_keys,
        public_url=public_url,
        redis_url=redis_url,
        debug=env.get("FLIGHTBRIDGE_DEBUG", "").strip().lower() in ("1", "true", "yes"),
        mfb_client_id=env.get("MFB_CLIENT_ID", "").strip(),
        mfb_client_secret=env.get("MFB_CLIENT_SECRET", "").strip(),
        mfb_base_url=mfb_base_url,
        mfb_min_call_interval_ms=_int_env(env, "MFB_MIN_CALL_INTERVAL_MS", 500),
        mfb_max_calls_per_second=_int_env(env, "MFB_MAX_CALLS_PER_SECOND", 10),
        metrics_token=_metrics_token(env),
        generated=tuple(generated),
    )
