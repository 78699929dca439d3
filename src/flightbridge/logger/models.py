"""The Logger app has no tables of its own.

An imported entry is a `logbook.Flight` (source "logger", external_id "logger:<importId>", raw = the
entry) and each import run is a `logbook.LogbookImport` whose details keep the package's metadata
(its `isUTC` tells the export how to read the clock fields only `raw` holds).
"""
