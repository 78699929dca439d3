"""`/api/integrations/myflightbook…`: connection routes here; the sync routes come from sync_api."""

from ninja import Router

from flightbridge.myflightbook.sync_api import router as sync_router

router = Router(tags=["myflightbook"])

router.add_router("", sync_router)
