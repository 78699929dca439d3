"""huey storage for PostgreSQL: huey's own SQL storage (peewee, FOR UPDATE SKIP LOCKED), made lazy.

huey's `SqlStorage` connects and creates its tables when constructed, which happens at import time
under djhuey; that would make every command (even `--help`) need a reachable database. This
subclass waits for the first real use. Consumers on any number of machines share the queue tables.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from huey import Huey
from huey.contrib.sql_huey import SqlStorage
from playhouse.postgres_ext import Psycopg3Database


def peewee_database(database_url: str) -> Psycopg3Database:
    parts = urlsplit(database_url)
    options = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    params = {key: unquote(value) for key, value in options.items()}
    if parts.hostname:
        params["host"] = unquote(parts.hostname)
    if parts.port:
        params["port"] = parts.port
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    return Psycopg3Database(unquote(parts.path.lstrip("/")), autoconnect=True, **params)


class LazySqlStorage(SqlStorage):
    def __init__(self, name="huey", database_url=None, **kwargs):
        self._database_url = database_url
        self._ready = False
        super(SqlStorage, self).__init__(name)  # skip SqlStorage.__init__: it connects
        self.database = peewee_database(database_url)
        self.KV, self.Schedule, self.Task = self.create_models()
        self.for_update = "FOR UPDATE SKIP LOCKED"

    def _ensure_tables(self):
        if not self._ready:
            self.database.create_tables([self.KV, self.Schedule, self.Task], safe=True)
            self._ready = True


def _lazily(name):
    method = getattr(SqlStorage, name)

    def wrapper(self, *args, **kwargs):
        self._ensure_tables()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


for _name in ("enqueue", "dequeue", "queue_size", "enqueued_items", "flush_queue", "add_to_schedule", "read_schedule",
              "schedule_size", "scheduled_items", "flush_schedule", "put_data", "peek_data", "pop_data",
              "has_data_for_key", "put_if_empty", "result_store_size", "result_items", "flush_results"):
    setattr(LazySqlStorage, _name, _lazily(_name))


class PostgresHuey(Huey):
    storage_class = LazySqlStorage
