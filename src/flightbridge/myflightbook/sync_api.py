"""Sync routes (`POST /api/integrations/myflightbook/sync`, currency, totals) land with the sync issue."""

from ninja import Router

router = Router(tags=["myflightbook"])
