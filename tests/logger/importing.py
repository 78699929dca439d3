"""A Logger import as a client sees it since imports run as jobs (issue 21): the request answers 202 with the
queued job; a worker (here, this process) runs it; the entries' results are read back from the job's run."""

from __future__ import annotations

from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import LogbookImport


class Imported:
    """The answer to POST /api/imports/logger, followed to the end of its job: `json()` is the run's outcome."""

    def __init__(self, client, response):
        assert response.status_code == 202, response.content
        self.status_code = response.status_code
        self.job = response.json()
        assert (self.job["kind"], self.job["status"]) == ("logger.import_package", "queued")
        run_queued_jobs()
        self.job = client.get(f"/api/jobs/{self.job['id']}").json()
        self.run = LogbookImport.objects.get(pk=self.job["result"]["run_id"])
        assert self.run.job_id == self.job["id"]

    def json(self) -> dict:
        run = self.run
        reasons: dict[str, list[dict]] = {}
        for reason in run.reasons:
            reasons.setdefault(reason["record"], []).append(reason)
        entries = []
        for entry in run.details["entries"]:
            record = f"logger:{entry['importId']}" if entry["importId"] else f"entries[{entry['index']}]"
            entries.append({**entry, "problems": [
                {"index": entry["index"], "importId": entry["importId"], "field": reason["field"], "reason": reason["reason"]}
                for reason in reasons.get(record, [])]})
        return {"id": run.pk, "status": run.status, "is_utc": run.details["isUTC"], "imported": run.imported,
                "updated": run.updated, "unchanged": run.unchanged, "skipped": run.skipped, "failed": run.failed,
                "message": run.message, "entries": entries, "job": self.job}


def post_import(client, body):
    response = client.post("/api/imports/logger", body, content_type="application/json")
    return Imported(client, response) if response.status_code == 202 else response
