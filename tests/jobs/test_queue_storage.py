"""huey's PostgreSQL storage as we configure it: lazy, shared by consumers, each message taken once."""

import threading

import pytest
from django.db import connection

from flightbridge.jobs.queue import PostgresHuey


@pytest.mark.django_db(transaction=True)
def test_postgres_queue_hands_each_message_to_exactly_one_consumer():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL queue storage is exercised in the PostgreSQL run of the suite")
    settings_dict = connection.settings_dict
    url = f"postgresql://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    huey = PostgresHuey("flightbridge-test-queue", database_url=url)
    storage = huey.storage
    storage.flush_queue()
    for n in range(200):
        storage.enqueue(f"message-{n}".encode())
    taken, lock = [], threading.Lock()

    def consume():
        consumer_storage = PostgresHuey("flightbridge-test-queue", database_url=url).storage
        while (data := consumer_storage.dequeue()) is not None:
            with lock:
                taken.append(data)
        consumer_storage.database.close()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(f"message-{n}".encode() for n in range(200))
    assert storage.queue_size() == 0
    storage.database.close()


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


def test_redis_queue_hands_each_message_to_exactly_one_consumer():
    """The Redis storage as configured (RedisHuey from a URL), shared by four consumers."""
    import os

    from huey import RedisHuey

    url = os.environ.get("FLIGHTBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    huey = RedisHuey(f"flightbridge-test-{os.getpid()}", url=url)
    storage = huey.storage
    storage.flush_queue()
    for n in range(200):
        storage.enqueue(f"message-{n}".encode())
    taken, lock = [], threading.Lock()

    def consume():
        consumer = RedisHuey(f"flightbridge-test-{os.getpid()}", url=url).storage
        while (data := consumer.dequeue()) is not None:
            with lock:
                taken.append(data)

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(f"message-{n}".encode() for n in range(200))
    assert storage.queue_size() == 0
