"""Background jobs: request one (guarded, enqueued after commit), run it, watch it, reap dead ones.

A job kind is declared once, next to its handler, as a `JobKind` (`@job_kind("fleet.sync_source")`
on the handler, after NetBox's JobRunner classes), registered by its app's `AppConfig.ready` with
`register_job_kinds`, and requested through it (`sync_source_job.request(...)`). The handler receives
a `JobContext` to report progress and returns a result dict. Errors from `flightbridge.errors` become a failed job
with their message; anything else becomes a failed job with a generic message (details in the log).
Nothing here ever leaves a job in `running` once its worker is gone: the heartbeat goes stale and
the next worker, or the next request for the same job, marks it failed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from flightbridge.errors import Busy, FlightBridgeError
from flightbridge.locks import JOB_GUARD, hold
from flightbridge.jobs import metrics as job_metrics
from flightbridge.jobs.models import ACTIVE_STATUSES, TRANSITIONS, JobStatus, SyncJob
from flightbridge.states import move_status

log = logging.getLogger(__name__)

Handler = Callable[["JobContext"], dict | None]
_KINDS: dict[str, "JobKind"] = {}
_WORKER_DIED_HOOKS: list[Callable[[int], None]] = []

WORKER_DIED_MESSAGE = (
    "The worker running this job stopped unexpectedly (it was restarted or crashed). "
    "Nothing half-written was kept; start the job again."
)


@dataclass(frozen=True)
class JobKind:
    """One kind of background job: its name (stored on every `SyncJob`) and the handler that runs it.

    Declared once, next to the handler; code that starts a job asks the kind (`kind.request(...)`),
    code that looks for jobs filters on `kind.name`. The name is never written anywhere else.
    """

    name: str
    handler: Handler = field(repr=False, compare=False)
    #: the one-active-job guard this kind shares with others (`FILE_WORK`); its own name when empty
    guard: str = ""

    def __call__(self, context: "JobContext") -> dict | None:
        return self.handler(context)

    def request(self, *, owner=None, scope: str = "", params: dict | None = None, message: str = "") -> tuple[SyncJob, bool]:
        """The active job of this kind for (owner, scope), or a new one enqueued after commit."""
        return request_job(self, owner=owner, scope=scope, params=params, message=message)

    def jobs(self):
        """Every job of this kind (a queryset)."""
        return SyncJob.objects.filter(kind=self.name)


#: The guard every job that reads or writes a pilot's logbook file shares (imports and exports, issue 22): a
#: pilot has at most one of them queued or running, whatever its kind.
FILE_WORK = "file-work"


def job_kind(name: str, *, guard: str = "") -> Callable[[Handler], JobKind]:
    """Declare the job kind `name` with the decorated function as its handler (register it in `ready`).
    `guard`: share the one-active-job-per-owner guard with the other kinds that name it (`FILE_WORK`)."""

    def declare(fn: Handler) -> JobKind:
        return JobKind(name, fn, guard)

    return declare


def register_job_kinds(*kinds: JobKind) -> None:
    """Make `kinds` known to this process; called from each app's `AppConfig.ready`.

    Registering the same kind again is harmless (ready may run more than once in tests); a second,
    different kind under a taken name is a programming error and fails at start-up.
    """
    for kind in kinds:
        known = _KINDS.get(kind.name)
        if known is not None and known.handler is not kind.handler:
            raise ValueError(f"job kind {kind.name!r} is declared twice ({known.handler.__module__} and {kind.handler.__module__})")
        _KINDS[kind.name] = kind


def when_worker_dies(hook: Callable[[int], None]) -> Callable[[int], None]:
    """Register `hook(job_id)`, called after a dead worker's job is marked failed, to close what it left open."""
    if hook not in _WORKER_DIED_HOOKS:
        _WORKER_DIED_HOOKS.append(hook)
    return hook


def _fail_dead_workers_job(job_id: int) -> bool:
    # One transaction: nobody ever sees the job failed while the import run it left is still "processing"
    # (a page polling both would show a stuck run), and a hook that fails leaves the job for the next reap.
    with transaction.atomic():
        if not transition(job_id, JobStatus.FAILED, message=WORKER_DIED_MESSAGE, error="worker_died"):
            return False
        for hook in _WORKER_DIED_HOOKS:
            hook(job_id)
    return True


def kind_named(name: str) -> JobKind:
    """The registered kind called `name`; LookupError when no app registered it."""
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no handler registered for job kind {name!r}") from None


def guard_key(kind: str, owner_id: int | None, scope: str = "") -> str:
    return f"{kind}|{owner_id or '-'}|{scope}"


def active_job(kind: JobKind, owner, scope: str = "") -> SyncJob | None:
    """The owner's queued or running job under `kind`'s guard (of any kind sharing it), if there is one."""
    key = guard_key(kind.guard or kind.name, getattr(owner, "pk", None), scope)
    return SyncJob.objects.filter(guard_key=key, status__in=ACTIVE_STATUSES).first()


def busy_with(job: SyncJob, kind: JobKind, same_kind: str) -> Busy:
    """The refusal while `job` holds `kind`'s guard: `same_kind` (which may name it, `{job}`) when it is of this kind,
    or a sentence naming the other import or export that holds it."""
    if job.kind == kind.name:
        return Busy(same_kind.format(job=job.pk))
    return Busy(f"Another import or export of yours is still running (job {job.pk}: {job.message or job.kind}); "
                "start this one when it has ended.")


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.FLIGHTBRIDGE_JOB_STALE_SECONDS)


def transition(job_id: int, to: str, **fields: Any) -> bool:
    """Move a job to `to` if the move is allowed from its current status; False when it was not.

    A conditional UPDATE, so two processes racing to move the same job cannot both win.
    """
    now = timezone.now()
    values: dict[str, Any] = dict(fields)
    if to == JobStatus.RUNNING:
        values.setdefault("started_at", now)
        values.setdefault("heartbeat_at", now)
    if to in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        values.setdefault("finished_at", now)
    return move_status(SyncJob.objects.filter(pk=job_id), TRANSITIONS, to, **values)


def request_job(
    kind: JobKind | str, *, owner=None, scope: str = "", params: dict | None = None, message: str = ""
) -> tuple[SyncJob, bool]:
    """Return the active job for (kind, owner, scope), or create and enqueue one. `created` says which.

    A kind that shares a guard (`FILE_WORK`) may get back the owner's active job of another kind of that guard.

    Two requests at once (a double click, two web processes) get the same job: PostgreSQL takes an
    advisory lock on the guard key (`locks.JOB_GUARD`); SQLite's IMMEDIATE transactions serialise
    writers; the partial unique index is the backstop for both.
    """
    name = kind.name if isinstance(kind, JobKind) else kind
    if kind_named(name) is not kind and isinstance(kind, JobKind):  # fail fast, before a row exists
        raise LookupError(f"job kind {name!r} is not the registered one; register it in its app's ready()")
    key = guard_key(kind_named(name).guard or name, getattr(owner, "pk", None), scope)
    with transaction.atomic(), hold(JOB_GUARD, key):
        existing = SyncJob.objects.filter(guard_key=key, status__in=ACTIVE_STATUSES).first()
        if existing is not None:
            if existing.status == JobStatus.RUNNING and existing.heartbeat_at and existing.heartbeat_at < _stale_before():
                _fail_dead_workers_job(existing.pk)
            else:
                return existing, False
        try:
            with transaction.atomic():
                job = SyncJob.objects.create(
                    kind=name, owner=owner, scope=scope, guard_key=key, params=params or {}, message=message
                )
        except IntegrityError:
            return SyncJob.objects.get(guard_key=key, status__in=ACTIVE_STATUSES), False
        transaction.on_commit(lambda: enqueue(job.pk))
    return job, True


_send: Callable[[int], Any] | None = None


def send_jobs_with(sender: Callable[[int], Any]) -> None:
    """Set how a job id reaches a worker (huey's `run_job_task`, wired in `JobsConfig.ready`).

    Injected rather than imported: the tasks module calls these services, so the services must not
    import it back.
    """
    global _send
    _send = sender


def enqueue(job_id: int) -> None:
    """Hand the job to the queue. Called only after the job's row has committed."""
    if _send is None:
        raise RuntimeError("no job queue is wired: JobsConfig.ready() has not run in this process")
    _send(job_id)


@dataclass
class JobContext:
    job: SyncJob
    _progress: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        return self.job.params

    @property
    def owner(self):
        return self.job.owner

    def report(self, *, phase: str | None = None, message: str | None = None, **counts: Any) -> None:
        """Record progress on the job row (and prove the job is alive)."""
        self._progress.update(counts)
        values: dict[str, Any] = {"progress": dict(self._progress), "heartbeat_at": timezone.now()}
        if phase is not None:
            values["phase"] = phase
        if message is not None:
            values["message"] = message
        SyncJob.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(**values)

    def increment(self, **deltas: int) -> None:
        for name, delta in deltas.items():
            self._progress[name] = self._progress.get(name, 0) + delta
        self.report()


class _Heartbeat(threading.Thread):
    """Touches `heartbeat_at` while a handler waits on the network, so only a dead worker goes stale."""

    def __init__(self, job_id: int, interval: float):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.interval, self.stopped = job_id, interval, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    SyncJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
                except Exception:  # a busy database must not kill the heartbeat; try again next beat
                    log.warning("job %s: heartbeat write failed", self.job_id, exc_info=True)
        finally:
            connection.close()


def run_job(job_id: int) -> SyncJob | None:
    """Claim a queued job and run its handler to a final state. A job already claimed is left alone."""
    if not transition(job_id, JobStatus.RUNNING):
        log.info("job %s is not queued any more; nothing to do", job_id)
        return None
    job = SyncJob.objects.select_related("owner").get(pk=job_id)
    heartbeat = None
    if settings.FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS > 0:  # 0 turns the thread off (tests inside one transaction)
        heartbeat = _Heartbeat(job_id, settings.FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS)
        heartbeat.start()
    context = JobContext(job=job, _progress=dict(job.progress))
    job_metrics.job_started(job)
    try:
        result = kind_named(job.kind)(context) or {}
    except FlightBridgeError as exc:
        log.warning("job %s (%s) failed: %s", job_id, job.kind, exc)
        transition(job_id, JobStatus.FAILED, message=str(exc), error=exc.code, progress=context._progress)
        job_metrics.job_failed(job, context._progress, exc.code)
    except Exception:
        log.exception("job %s (%s) crashed", job_id, job.kind)
        job_metrics.job_failed(job, context._progress, "internal")
        transition(
            job_id,
            JobStatus.FAILED,
            message="An internal error stopped this job. It has been logged; try again, and report it if it repeats.",
            error="internal",
            progress=context._progress,
        )
    else:
        SyncJob.objects.filter(pk=job_id).update(progress=context._progress)
        done_message = result.pop("message", None) if isinstance(result, dict) else None
        transition(job_id, JobStatus.SUCCEEDED, result=result, message=done_message or "Done.")
        job_metrics.job_finished(job, result if isinstance(result, dict) else {})
    finally:
        if heartbeat is not None:
            heartbeat.stopped.set()
            heartbeat.join(timeout=5)
    return SyncJob.objects.get(pk=job_id)


def reap_stale_jobs() -> int:
    """Fail running jobs whose heartbeat went silent (their worker died). Returns how many."""
    reaped = 0
    for job_id in SyncJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=_stale_before()).values_list(
        "pk", flat=True
    ):
        if _fail_dead_workers_job(job_id):
            log.warning("job %s: worker died; marked failed", job_id)
            reaped += 1
    return reaped


def resend_lost_jobs() -> int:
    """Re-enqueue queued jobs that no worker picked up in time (a message lost with a killed worker).

    Safe because claiming is a conditional update: a duplicate message finds the job already running.
    `heartbeat_at` on a queued job records when it was last sent, so each is re-sent at most once
    per stale period.
    """
    cutoff = _stale_before()
    resent = 0
    for job_id in SyncJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff).exclude(
        heartbeat_at__gte=cutoff
    ).values_list("pk", flat=True):
        if SyncJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(heartbeat_at=timezone.now()):
            enqueue(job_id)
            resent += 1
    return resent


def run_queued_jobs(kind: str | None = None, limit: int = 100) -> list[SyncJob]:
    """Run queued jobs in this process, oldest first (for the demo's one-shot mode and for tests)."""
    done = []
    query = SyncJob.objects.filter(status=JobStatus.QUEUED).order_by("created_at", "id")
    if kind:
        query = query.filter(kind=kind)
    for job_id in list(query.values_list("pk", flat=True)[:limit]):
        finished = run_job(job_id)
        if finished is not None:
            done.append(finished)
    return done
