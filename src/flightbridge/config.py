"""Read FlightBridge's configuration from the environment and check it before anything starts.

Every setting a deployment can change is an environment variable read here, once. A bad value stops
startup with a `ConfigError` that names the variable; it never echoes a secret's value back.
When the Django secret key or the encryption keys are unset, they are generated once into the data
directory (mode 0600), so a pilot on a laptop needs no configuration at all. The data directory is
FLIGHTBRIDGE_DATA_DIR, or `./var` of the directory the command runs in.

`load_config(write_files=False)` (for `--help`) reads what exists and writes nothing: a command that
only shows its help must not create a data directory or keys where the operator happened to stand.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

log = logging.getLogger("flightbridge.config")

ENCRYPTION_KEY_BYTES = 32  # AES-256-GCM
#: The largest request body any route or page accepts (a Logger package of 10,000 full entries is ~4 MB).
DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024
#: One year, the value browsers' preload lists expect; sent only when the public URL is https.
DEFAULT_HSTS_SECONDS = 31_536_000
#: The names a browser on the same machine uses for the local default address.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


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

    @property
    def label(self) -> str:
        """Where the database is, for a person, never with its password."""
        if self.vendor == "sqlite":
            return f"SQLite {self.name}"
        return f"PostgreSQL {self.name} on {self.host or 'the local socket'}{':' + self.port if self.port else ''}"


@dataclass(frozen=True)
class EmailSettings:
    """Outgoing mail (password reset). Only SMTP: a server that can reach the pilot's inbox."""

    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)
    use_tls: bool = False  # STARTTLS on a plain connection (port 587)
    use_ssl: bool = False  # TLS from the first byte (port 465)
    sender: str = ""


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
    #: minutes between scheduled quick syncs of each pilot; None = MFB_AUTO_SYNC=off
    mfb_auto_sync_minutes: int | None = 24 * 60
    mfb_full_sync_days: int = 7
    mfb_quick_window_days: int = 60
    #: The whole deployment's MyFlightbook calls per second (0 turns the budget off); see myflightbook.pacing.
    mfb_max_calls_per_second: int = 10
    #: A scraper presenting this bearer token may read /metrics from anywhere (loopback needs none).
    metrics_token: str = field(default="", repr=False)
    #: FLIGHTBRIDGE_METRICS_REQUIRE_TOKEN: loopback is trusted no more; every scrape presents the token. For a
    #: TLS-passthrough proxy on the same machine, whose requests come from 127.0.0.1 without X-Forwarded-For.
    metrics_require_token: bool = False
    generated: tuple[str, ...] = ()
    #: Host names Django answers to: the public URL's, then FLIGHTBRIDGE_ALLOWED_HOSTS.
    allowed_hosts: tuple[str, ...] = ()
    csrf_trusted_origins: tuple[str, ...] = ()
    email: EmailSettings | None = None
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    hsts_seconds: int = DEFAULT_HSTS_SECONDS
    #: Host names, addresses and CIDR networks data sources may reach although they are private.
    source_allowlist: tuple[str, ...] = ()

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


def _host_of(url: str) -> str:
    """The Host-header form of a URL's host: lowercase, IPv6 in brackets, no port."""
    host = (urlsplit(url).hostname or "").lower()
    return f"[{host}]" if ":" in host else host


def allowed_hosts_for(public_url: str, extra: str, variable: str = "FLIGHTBRIDGE_ALLOWED_HOSTS") -> tuple[str, ...]:
    """The public URL's host, the loopback names when that host is loopback, then the extra list.

    Never "*": Django builds password-reset links from the Host header, so a host it accepts is a
    host a reset mail may point at.
    """
    public = _host_of(public_url)
    hosts = [public]
    if public in LOOPBACK_NAMES:
        hosts.extend(LOOPBACK_NAMES)
    for position, item in enumerate(filter(None, (part.strip().lower() for part in extra.split(","))), start=1):
        if item == "*" or any(char in item for char in "/@ "):
            raise ConfigError(f"{variable}: entry {position} ({item!r}) must be a host name such as logbook.example "
                              "or .example.org for every subdomain; * is not allowed")
        hosts.append(item)
    return tuple(dict.fromkeys(hosts))


def csrf_origins_for(public_url: str, hosts: tuple[str, ...]) -> tuple[str, ...]:
    parts = urlsplit(public_url)
    origins = [f"{parts.scheme}://{parts.netloc.lower()}"]
    for host in hosts:
        origins.append(f"{parts.scheme}://{'*' if host.startswith('.') else ''}{host}")
        if parts.port:
            origins.append(f"{parts.scheme}://{'*' if host.startswith('.') else ''}{host}:{parts.port}")
    return tuple(dict.fromkeys(origins))


def parse_email_url(value: str, sender: str, variable: str = "FLIGHTBRIDGE_EMAIL_URL") -> EmailSettings:
    """`smtp://user:password@host:587` (STARTTLS), `smtps://…:465` (TLS), `smtp+plain://…:25` (no TLS)."""
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps", "smtp+plain") or not parts.hostname:
        raise ConfigError(f"{variable}: use smtp://user:password@host:587 (STARTTLS), smtps://…:465 or smtp+plain://host:25")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{variable}: the port is not a number") from exc
    default_port = {"smtp": 587, "smtps": 465, "smtp+plain": 25}[scheme]
    return EmailSettings(host=parts.hostname, port=port or default_port, user=unquote(parts.username or ""),
                         password=unquote(parts.password or ""), use_tls=scheme == "smtp", use_ssl=scheme == "smtps",
                         sender=sender)


def parse_source_allowlist(value: str, variable: str = "FLIGHTBRIDGE_SOURCE_ALLOWLIST") -> tuple[str, ...]:
    """Host names, addresses and CIDR networks, checked here so a typo stops startup instead of blocking a source."""
    entries = []
    for position, item in enumerate(filter(None, (part.strip().lower() for part in value.split(","))), start=1):
        item = item.strip("[]")
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            if "/" in item or not _HOST_NAME.fullmatch(item):
                raise ConfigError(f"{variable}: entry {position} ({item!r}) is not a host name, an address or a CIDR "
                                  "network such as 10.20.0.0/16") from None
        entries.append(item)
    return tuple(entries)


_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?")


def _read_or_create_secret(path: Path, make: callable, write: bool = True) -> tuple[str, bool]:
    if path.exists():
        return path.read_text().strip(), False
    if not write:
        return make(), False  # a throwaway for this process only (e.g. `--help`); nothing is stored
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


def ensure_private_file(path: str | Path) -> None:
    """Create `path` empty with mode 0600, or take group and other access away from an existing one.

    For the SQLite database and the queue file: they hold the pilots' logbooks and sealed tokens, so
    they get the keys' mode, not the umask's. SQLite gives its -wal and -shm files the database's mode.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():  # never chmod someone else's file
            os.chmod(path, 0o600)


def _int_env(env: Mapping[str, str], variable: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable}: {raw!r} is not a whole number") from exc
    if value < minimum:
        raise ConfigError(f"{variable}: must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{variable}: must be at most {maximum}")
    return value


AUTO_SYNC_WORDS = {"off": None, "hourly": 60, "daily": 24 * 60}


def parse_auto_sync(value: str, variable: str = "MFB_AUTO_SYNC") -> int | None:
    """`off`, `hourly`, `daily` or a number of minutes → minutes between scheduled syncs (None = off)."""
    text = value.strip().lower()
    if not text:
        return AUTO_SYNC_WORDS["daily"]
    if text in AUTO_SYNC_WORDS:
        return AUTO_SYNC_WORDS[text]
    try:
        minutes = int(text)
    except ValueError:
        raise ConfigError(f"{variable}: {value.strip()!r} is not off, hourly, daily or a number of minutes") from None
    if not 1 <= minutes <= 366 * 24 * 60:
        raise ConfigError(f"{variable}: {minutes} minutes is out of range (1 minute to a year; use off to stop it)")
    return minutes


def _metrics_token(env: Mapping[str, str], variable: str = "FLIGHTBRIDGE_METRICS_TOKEN") -> str:
    token = env.get(variable, "").strip()
    if token and len(token) < 16:
        # A short token is guessable by a scraper-shaped brute force; refuse it rather than expose the fleet.
        raise ConfigError(f"{variable}: must be at least 16 characters")
    return token


def _metrics_require_token(env: Mapping[str, str], variable: str = "FLIGHTBRIDGE_METRICS_REQUIRE_TOKEN") -> bool:
    value = env.get(variable, "").strip().lower()
    if value not in ("", "0", "false", "no", "1", "true", "yes"):
        raise ConfigError(f"{variable}: {value!r} is not true or false")
    required = value in ("1", "true", "yes")
    if required and not env.get("FLIGHTBRIDGE_METRICS_TOKEN", "").strip():
        raise ConfigError(f"{variable}: needs FLIGHTBRIDGE_METRICS_TOKEN (the token every scrape must then present)")
    return required


DEFAULT_DATA_DIR = "./var"


def private_directory(path: Path) -> None:
    """0700 for a directory of ours that is wider (keys, the database, pilots' uploads and metrics live in the
    data directory; an older version, or a umask of 022, left it 0755). One owned by someone else is left alone."""
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        path.chmod(0o700)


def load_config(env: Mapping[str, str] | None = None, *, write_files: bool = True) -> Config:
    env = os.environ if env is None else env
    generated: list[str] = []

    data_dir = Path(env.get("FLIGHTBRIDGE_DATA_DIR", "").strip() or DEFAULT_DATA_DIR).expanduser()
    data_dir = (Path.cwd() / data_dir).resolve() if not data_dir.is_absolute() else data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"FLIGHTBRIDGE_DATA_DIR: {data_dir} exists and is not a directory")
    if write_files:
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            private_directory(data_dir)
        except OSError as exc:
            raise ConfigError(f"FLIGHTBRIDGE_DATA_DIR: cannot create {data_dir}: {exc.strerror}") from exc

    database_url = env.get("FLIGHTBRIDGE_DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'flightbridge.sqlite3'}"
    database = parse_database_url(database_url, data_dir)

    secret_key = env.get("FLIGHTBRIDGE_SECRET_KEY", "").strip()
    if secret_key:
        if len(secret_key) < 32:
            raise ConfigError("FLIGHTBRIDGE_SECRET_KEY: must be at least 32 characters")
    else:
        secret_key, made = _read_or_create_secret(data_dir / "secret_key", lambda: secrets.token_urlsafe(50), write_files)
        if made:
            generated.append("FLIGHTBRIDGE_SECRET_KEY")

    raw_keys = env.get("FLIGHTBRIDGE_ENCRYPTION_KEYS", "").strip()
    if raw_keys:
        encryption_keys = parse_encryption_keys(raw_keys)
    else:
        raw_keys, made = _read_or_create_secret(
            data_dir / "encryption_keys",
            lambda: "k1:" + base64.b64encode(secrets.token_bytes(ENCRYPTION_KEY_BYTES)).decode(),
            write_files,
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

    allowed_hosts = allowed_hosts_for(public_url, env.get("FLIGHTBRIDGE_ALLOWED_HOSTS", ""))
    email_url = env.get("FLIGHTBRIDGE_EMAIL_URL", "").strip()
    sender = env.get("FLIGHTBRIDGE_EMAIL_FROM", "").strip() or f"FlightBridge <noreply@{_host_of(public_url).strip('[]')}>"
    email = parse_email_url(email_url, sender) if email_url else None

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
        mfb_auto_sync_minutes=parse_auto_sync(env.get("MFB_AUTO_SYNC", "")),
        mfb_full_sync_days=_int_env(env, "MFB_FULL_SYNC_DAYS", 7, minimum=1, maximum=3660),
        mfb_quick_window_days=_int_env(env, "MFB_QUICK_WINDOW_DAYS", 60, minimum=1, maximum=36600),
        mfb_max_calls_per_second=_int_env(env, "MFB_MAX_CALLS_PER_SECOND", 10),
        metrics_token=_metrics_token(env),
        metrics_require_token=_metrics_require_token(env),
        generated=tuple(generated),
        allowed_hosts=allowed_hosts,
        csrf_trusted_origins=csrf_origins_for(public_url, allowed_hosts),
        email=email,
        max_request_bytes=_int_env(env, "FLIGHTBRIDGE_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, minimum=64 * 1024),
        # Only for https: telling browsers to insist on TLS would lock a pilot out of a plain-http laptop install.
        hsts_seconds=_int_env(env, "FLIGHTBRIDGE_HSTS_SECONDS", DEFAULT_HSTS_SECONDS) if public_url.startswith("https://") else 0,
        source_allowlist=parse_source_allowlist(env.get("FLIGHTBRIDGE_SOURCE_ALLOWLIST", "")),
    )
