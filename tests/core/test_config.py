import base64
import stat

import pytest

from flightbridge.config import ConfigError, load_config

GOOD_KEY = "k1:" + base64.b64encode(b"k" * 32).decode()


def env(tmp_path, **values):
    return {"FLIGHTBRIDGE_DATA_DIR": str(tmp_path), **values}


def test_defaults_generate_keys_once_with_private_mode(tmp_path):
    first = load_config(env(tmp_path))
    assert set(first.generated) == {"FLIGHTBRIDGE_SECRET_KEY", "FLIGHTBRIDGE_ENCRYPTION_KEYS"}
    for name in ("secret_key", "encryption_keys"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    second = load_config(env(tmp_path))
    assert second.generated == ()
    assert second.secret_key == first.secret_key
    assert second.encryption_keys == first.encryption_keys
    assert len(first.encryption_keys[0][1]) == 32
    assert first.database.vendor == "sqlite" and first.database.name == str(tmp_path / "flightbridge.sqlite3")
    assert first.public_url == "http://127.0.0.1:8000"
    assert first.redis_url is None


def test_set_values_are_used_and_nothing_is_generated(tmp_path):
    config = load_config(env(
        tmp_path,
        FLIGHTBRIDGE_SECRET_KEY="s" * 40,
        FLIGHTBRIDGE_ENCRYPTION_KEYS=GOOD_KEY + ",old:" + base64.b64encode(b"o" * 32).decode(),
        FLIGHTBRIDGE_DATABASE_URL="postgresql://fb:p%40ss@db.example:5433/flightbridge?sslmode=require",
        FLIGHTBRIDGE_PUBLIC_URL="https://logbook.example/",
        FLIGHTBRIDGE_REDIS_URL="redis://127.0.0.1:6379/3",
    ))
    assert config.generated == ()
    assert not (tmp_path / "secret_key").exists()
    assert [key_id for key_id, _ in config.encryption_keys] == ["k1", "old"]
    db = config.database
    assert (db.vendor, db.name, db.user, db.password, db.host, db.port) == ("postgresql", "flightbridge", "fb", "p@ss", "db.example", "5433")
    assert db.options == {"sslmode": "require"}
    assert config.public_url == "https://logbook.example"
    assert config.redis_url == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    "variable, value, words",
    [
        ("FLIGHTBRIDGE_DATABASE_URL", "mysql://root@localhost/x", "unsupported"),
        ("FLIGHTBRIDGE_DATABASE_URL", "not a url", "malformed"),
        ("FLIGHTBRIDGE_DATABASE_URL", "postgresql://host:notaport/db", "port"),
        ("FLIGHTBRIDGE_DATABASE_URL", "postgresql://host:5432/", "database name"),
        ("FLIGHTBRIDGE_ENCRYPTION_KEYS", "k1:" + base64.b64encode(b"short").decode(), "5 bytes"),
        ("FLIGHTBRIDGE_ENCRYPTION_KEYS", "k1:!!!notbase64", "base64"),
        ("FLIGHTBRIDGE_ENCRYPTION_KEYS", "justakey", "id:base64key"),
        ("FLIGHTBRIDGE_ENCRYPTION_KEYS", GOOD_KEY + "," + GOOD_KEY, "twice"),
        ("FLIGHTBRIDGE_SECRET_KEY", "short", "32 characters"),
        ("FLIGHTBRIDGE_PUBLIC_URL", "ftp://example", "http(s) URL"),
        ("FLIGHTBRIDGE_PUBLIC_URL", "http://host:99999x", "port"),
        ("FLIGHTBRIDGE_REDIS_URL", "http://127.0.0.1:6379", "redis://"),
        ("MFB_BASE_URL", "myflightbook.com", "http(s) URL"),
        ("MFB_MIN_CALL_INTERVAL_MS", "fast", "whole number"),
        ("MFB_MAX_CALLS_PER_SECOND", "ten", "whole number"),
        ("MFB_MAX_CALLS_PER_SECOND", "-1", "at least 0"),
        ("FLIGHTBRIDGE_METRICS_TOKEN", "short-token", "16 characters"),
    ],
)
def test_bad_values_stop_startup_naming_the_variable(tmp_path, variable, value, words):
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, **{variable: value}))
    message = str(caught.value)
    assert message.startswith(variable + ":")
    assert words in message


def test_bad_key_message_never_echoes_the_key(tmp_path):
    secret = base64.b64encode(b"x" * 31).decode()
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, FLIGHTBRIDGE_ENCRYPTION_KEYS=f"k1:{secret}"))
    assert secret not in str(caught.value)


def test_cli_exits_2_with_the_variable_named(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "flightbridge", "check"],
        env={"PATH": "/usr/bin:/bin", "FLIGHTBRIDGE_DATA_DIR": str(tmp_path), "FLIGHTBRIDGE_DATABASE_URL": "mysql://x/y",
             "DJANGO_SETTINGS_MODULE": "flightbridge.settings"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "FLIGHTBRIDGE_DATABASE_URL" in result.stderr


def test_call_budget_and_metrics_token(tmp_path):
    default = load_config(env(tmp_path, MFB_MAX_CALLS_PER_SECOND=""))
    assert default.mfb_max_calls_per_second == 10 and default.metrics_token == ""
    tuned = load_config(env(tmp_path, MFB_MAX_CALLS_PER_SECOND="20", FLIGHTBRIDGE_METRICS_TOKEN="m" * 24))
    assert tuned.mfb_max_calls_per_second == 20 and tuned.metrics_token == "m" * 24
    assert "m" * 24 not in repr(tuned)
