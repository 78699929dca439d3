"""huey's queue storages as we configure them: each message is taken by exactly one of many consumers."""

import os
import threading

import pytest
from django.db import connection

from flightbridge.jobs.queue import PostgresHuey


def assert_each_message_taken_once(make_storage, messages: int = 200, consumers: int = 4) -> None:
    """Fill one queue, drain it from `consumers` threads with their own storage objects: every message once."""
    storage = make_storage()
    storage.flush_queue()
    for n in range(messages):
        storage.enqueue(f"message-{n}".encode())
    taken, lock = [], threading.Lock()

    def consume():
        consumer = make_storage()
        while (data := consumer.dequeue()) is not None:
            with lock:
                taken.append(data)
        if hasattr(consumer, "database"):
            consumer.database.close()

    threads = [threading.Thread(target=consume) for _ in range(consumers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(f"message-{n}".encode() for n in range(messages))
    assert storage.queue_size() == 0


@pytest.mark.django_db(transaction=True)
def test_postgres_queue_hands_each_message_to_exactly_one_consumer():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL queue storage is exercised in the PostgreSQL run of the suite")
    settings_dict = connection.settings_dict
    url = f"postgresql://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    assert_each_message_taken_once(lambda: PostgresHuey("flightbridge-test-queue", database_url=url).storage)


def test_redis_queue_hands_each_message_to_exactly_one_consumer():
    """The Redis storage as configured (RedisHuey from a URL)."""
    from huey import RedisHuey

    url = os.environ.get("FLIGHTBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    assert_each_message_taken_once(lambda: RedisHuey(f"flightbridge-test-{os.getpid()}", url=url).storage)


def test_queue_storage_follows_the_configuration(tmp_path):
    """SQLite file by default, huey's SQL storage on PostgreSQL, Redis whenever FLIGHTBRIDGE_REDIS_URL is set."""
    from flightbridge.config import load_config
    from flightbridge.settings import _huey_settings

    base = {"FLIGHTBRIDGE_DATA_DIR": str(tmp_path)}
    sqlite = _huey_settings(load_config(base))
    assert sqlite["huey_class"] == "huey.SqliteHuey" and sqlite["filename"] == str(tmp_path / "queue.sqlite3")
    postgres = _huey_settings(load_config({**base, "FLIGHTBRIDGE_DATABASE_URL": "postgresql://u@db:5432/fb"}))
    assert postgres["huey_class"] == "flightbridge.jobs.queue.PostgresHuey"
    assert postgres["database_url"] == "postgresql://u@db:5432/fb"
    redis = _huey_settings(load_config({**base, "FLIGHTBRIDGE_DATABASE_URL": "postgresql://u@db:5432/fb",
                                        "FLIGHTBRIDGE_REDIS_URL": "redis://127.0.0.1:6379/3"}))
    assert redis["huey_class"] == "huey.RedisHuey" and redis["url"] == "redis://127.0.0.1:6379/3"
