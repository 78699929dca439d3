"""The JSON API under /api/: one NinjaAPI, auth for every route, one error shape (RFC 9457).

Every route accepts a browser session or `Authorization: Bearer <personal token>`; `request.auth`
is the user. Every error leaves as `application/problem+json` with a message a person can act on;
an unexpected exception is logged and answered with a generic 500 that leaks nothing.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from flightbridge import __version__, errors
from flightbridge.accounts.services import authenticate_token
from flightbridge.problems import Problem, problem

log = logging.getLogger(__name__)


class BearerToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    def _get_key(self, request: HttpRequest):
        # CSRF protects a logged-in session; without one there is nothing to forge. Checking it first
        # answered an anonymous POST 403 "CSRF check Failed" where the docs promise 401 (issue 13).
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user or None


PROBLEM_STATUSES = {
    "400": "Bad request (e.g. a body that is not JSON)",
    "401": "Not authenticated: log in or send a bearer token",
    "403": "Forbidden: you lack the permission this needs",
    "404": "Not found, or not yours",
    "409": "Conflict with the current state (e.g. already running, already reverted)",
    "413": "The request body is over the server's limit (FLIGHTBRIDGE_MAX_REQUEST_BYTES)",
    "422": "Invalid input; `errors` names each field",
    "503": "A service this needs is unavailable; try again",
}


class FlightBridgeAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema documents the problem-details errors every route can answer."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = {
            "type": "object",
            "title": "Problem",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        }
        problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                # Ninja keys a route's declared statuses by int, OpenAPI by string: without this, a route
                # that declares 503 itself would carry both 503 and "503", and the JSON a duplicated key.
                operation["responses"] = {str(status): body for status, body in operation["responses"].items()}
                for body in operation["responses"].values():
                    # A route that declares `Problem` itself answers with problem() too: say so.
                    if body.get("content", {}).get("application/json", {}).get("schema") == problem_content[
                            "application/problem+json"]["schema"]:
                        body["content"] = problem_content
                for status, description in PROBLEM_STATUSES.items():
                    if status == "401" and not operation.get("security"):
                        continue
                    if status == "413" and "requestBody" not in operation:
                        continue
                    operation["responses"].setdefault(status, {"description": description, "content": problem_content})
                operation["responses"]["500"] = {"description": "Internal error (logged)", "content": problem_content}
        return schema


api = FlightBridgeAPI(
    title="FlightBridge API",
    version=__version__,
    description=(
        "Move a pilot's records between MyFlightbook, Logger and this logbook. Authenticate with a "
        "browser session or `Authorization: Bearer <token>` (create one with `flightbridge token create USERNAME`). "
        "Errors are RFC 9457 problem details."
    ),
    auth=[BearerToken(), Session()],
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = problem(401, "Log in, or send Authorization: Bearer <token> (see `flightbridge token create`).", code="unauthenticated")
    response["WWW-Authenticate"] = 'Bearer realm="flightbridge"'
    return response


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    problems = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        problems.append({"field": ".".join(location[1:]) or ".".join(location), "in": location[0] if location else "",
                         "reason": error.get("msg", "invalid")})
    summary = "; ".join(f"{p['field']}: {p['reason']}" for p in problems[:5])
    return problem(422, f"Invalid input — {summary}" if summary else "Invalid input", problems, code="invalid_input")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem(exc.status_code, str(exc.message))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(404, "No such resource, or it is not yours.", code="not_found")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return problem(403, str(exc) or "You do not have permission to do this.", code="forbidden")


_ERROR_STATUS = {
    errors.InputError: 422,
    errors.BadRecord: 422,
    errors.NotFound: 404,
    errors.PermissionDenied: 403,
    errors.Conflict: 409,
    errors.Busy: 429,
    errors.NeedsReauth: 409,
    errors.TransientError: 503,
    errors.FatalError: 400,
}


@api.exception_handler(errors.FlightBridgeError)
def _domain_error(request, exc: errors.FlightBridgeError):
    status = next((code for kind, code in _ERROR_STATUS.items() if isinstance(exc, kind)), 400)
    extra = getattr(exc, "problems", None) or ([exc.as_dict()] if isinstance(exc, errors.BadRecord) else None)
    return problem(status, str(exc), extra, code=exc.code)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    # A chunked body has no Content-Length for the middleware to refuse up front; Django stops reading it here.
    from flightbridge.web.middleware import too_large_response

    return too_large_response(request)


@api.exception_handler(Exception)
def _crash(request, exc):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(500, "Something went wrong on our side. It has been logged.", code="internal")


class HealthOut(Schema):
    status: str
    version: str
    database: str
    queue: str


@api.get("/health", auth=None, response={200: HealthOut, 503: Problem}, tags=["service"], summary="Is the service up?")
def health(request):
    from django.conf import settings
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        log.exception("health check: database unreachable")
        return problem(503, "The database is not reachable.", code="database_down")
    queue = settings.HUEY["huey_class"].rsplit(".", 1)[-1] if isinstance(settings.HUEY, dict) else "custom"
    return Status(200, {"status": "ok", "version": __version__, "database": connection.vendor, "queue": queue})


def _mount_routers() -> None:
    from flightbridge.accounts.api import router as accounts_router
    from flightbridge.fleet.api import router as fleet_router
    from flightbridge.interchange.api import router as interchange_router
    from flightbridge.jobs.api import router as jobs_router
    from flightbridge.logbook.api import router as logbook_router
    from flightbridge.logger.api import router as logger_router
    from flightbridge.myflightbook.api import router as myflightbook_router
    from flightbridge.registry.api import router as registry_router

    # /imports/logger and /imports/csv must be mounted before the logbook's /imports/{id} would shadow them.
    for router in (logger_router, interchange_router, logbook_router, jobs_router, myflightbook_router, registry_router, fleet_router,
                   accounts_router):
        api.add_router("/", router)


_mount_routers()
