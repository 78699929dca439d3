"""Who may do what in aircraft model sync: Django permissions, assignable to groups.

The seed's five permissions map to these codenames (superusers have all of them):

- read integration connections            → `fleet.view_datasourceconfig`
- create / update integration connections → `fleet.add_datasourceconfig` / `fleet.change_datasourceconfig`
- manage integration connections          → `fleet.manage_datasourceconfig` (test a connection, start syncs)
- update aircraft models                  → `fleet.change_aircraftmodel` (`add_aircraftmodel` to create by hand)
- read aircraft model sync logs           → `fleet.view_synclog`

A sync changes model data, so it always needs "update aircraft models" too: managing a connection
alone must never change a model (the seed is explicit about this). Never check `is_staff` here.
"""

from __future__ import annotations

from flightbridge.errors import PermissionDenied

READ_CONNECTIONS = "fleet.view_datasourceconfig"
CREATE_CONNECTIONS = "fleet.add_datasourceconfig"
UPDATE_CONNECTIONS = "fleet.change_datasourceconfig"
DELETE_CONNECTIONS = "fleet.delete_datasourceconfig"
MANAGE_CONNECTIONS = "fleet.manage_datasourceconfig"
READ_MODELS = "fleet.view_aircraftmodel"
CREATE_MODELS = "fleet.add_aircraftmodel"
UPDATE_MODELS = "fleet.change_aircraftmodel"
READ_SYNC_LOGS = "fleet.view_synclog"

#: what each guarded action needs, all of it; the API, the page and the tests read this one table
ACTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "read aircraft models": (READ_MODELS,),
    "create aircraft models": (CREATE_MODELS,),
    "update aircraft models": (UPDATE_MODELS,),
    "read integration connections": (READ_CONNECTIONS,),
    "create integration connections": (CREATE_CONNECTIONS,),
    "update integration connections": (UPDATE_CONNECTIONS,),
    "delete integration connections": (DELETE_CONNECTIONS,),
    "test integration connections": (MANAGE_CONNECTIONS,),
    "preview a data source sync": (MANAGE_CONNECTIONS,),
    "sync aircraft models": (MANAGE_CONNECTIONS, UPDATE_MODELS),
    "read aircraft model sync status": (READ_CONNECTIONS,),
    "read aircraft model sync logs": (READ_SYNC_LOGS,),
}

PERMISSION_NAMES = {
    READ_CONNECTIONS: "read integration connections",
    CREATE_CONNECTIONS: "create integration connections",
    UPDATE_CONNECTIONS: "update integration connections",
    DELETE_CONNECTIONS: "delete integration connections",
    MANAGE_CONNECTIONS: "manage integration connections",
    READ_MODELS: "read aircraft models",
    CREATE_MODELS: "create aircraft models",
    UPDATE_MODELS: "update aircraft models",
    READ_SYNC_LOGS: "read aircraft model sync logs",
}


def allowed(user, action: str) -> bool:
    return bool(user and user.is_active and user.has_perms(ACTION_PERMISSIONS[action]))


def require(user, action: str) -> None:
    """Raise `PermissionDenied` (403) naming every permission the action needs that the user lacks."""
    needed = ACTION_PERMISSIONS[action]
    if user is not None and user.is_active and user.has_perms(needed):
        return
    missing = [perm for perm in needed if user is None or not user.has_perm(perm)] or list(needed)
    names = " and ".join(f"“{PERMISSION_NAMES[perm]}” ({perm})" for perm in missing)
    raise PermissionDenied(f"To {action} you need the permission {names}.")
