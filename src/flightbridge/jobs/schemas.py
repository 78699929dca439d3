from datetime import datetime

from ninja import Schema


class JobOut(Schema):
    id: int
    kind: str
    status: str
    phase: str
    progress: dict
    result: dict
    message: str
    error: str
    scope: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
