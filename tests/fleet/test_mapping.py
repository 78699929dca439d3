"""Pure mapping and diffing of remote aircraft model records (no database, no network)."""

import pytest

from flightbridge.errors import BadRecord
from flightbridge.fleet.mapping import diff_fields, external_id_of, map_remote_record, preview_model_changes


def test_maps_the_syncable_fields_and_ignores_the_rest():
    record = {"external_id": 172, "name": " Cessna 172S ", "manufacturer": "Cessna", "model_number": "172S",
              "description": "Trainer", "specifications": {"seats": 4}, "maintenance_requirements": [{"task": "Annual"}],
              "colour": "white"}
    external_id, fields = map_remote_record(record, position=1, source="Catalog")
    assert external_id == "172"
    assert fields == {"name": "Cessna 172S", "manufacturer": "Cessna", "model_number": "172S", "description": "Trainer",
                      "specifications": {"seats": 4}, "maintenance_requirements": [{"task": "Annual"}]}


def test_absent_fields_are_left_alone_and_null_clears():
    _, fields = map_remote_record({"external_id": "a", "description": None}, position=3, source="S")
    assert fields == {"description": ""}


@pytest.mark.parametrize("record, field, words", [
    ({"name": "No id"}, "external_id", "is missing"),
    ({"external_id": "", "name": "Blank"}, "external_id", "is missing"),
    ({"external_id": ["x"], "name": "List"}, "external_id", "non-empty string or integer"),
    ({"external_id": "x" * 201, "name": "Long"}, "external_id", "longer than 200"),
    ({"external_id": "a", "name": ""}, "name", "must not be empty"),
    ({"external_id": "a", "specifications": [1]}, "specifications", "JSON object"),
    ({"external_id": "a", "maintenance_requirements": "annual"}, "maintenance_requirements", "array or object"),
    ({"external_id": "a", "manufacturer": {"x": 1}}, "manufacturer", "must be a string"),
])
def test_bad_records_name_the_record_and_field(record, field, words):
    with pytest.raises(BadRecord) as caught:
        map_remote_record(record, position=7, source="Catalog")
    assert caught.value.field == field
    assert words in caught.value.reason
    assert caught.value.record in ("Catalog #7", "Catalog:a")


def test_not_an_object_is_a_bad_record():
    with pytest.raises(BadRecord, match="record Catalog #2: is not a JSON object"):
        map_remote_record(["x"], position=2, source="Catalog")
    assert external_id_of(["x"]) == "" and external_id_of({"external_id": True}) == ""


def test_diff_reports_old_and_new_only_for_changed_fields():
    current = {"name": "Archer", "manufacturer": "Piper", "model_number": "PA-28-181", "description": "",
               "specifications": {"seats": 4}, "maintenance_requirements": []}
    changes = diff_fields(current, {"name": "Archer III", "manufacturer": "Piper", "specifications": {"seats": 4}})
    assert changes == {"name": ["Archer", "Archer III"]}
    assert diff_fields(None, {"name": "New", "description": ""}) == {"name": [None, "New"]}


def test_preview_shows_old_values_only_when_allowed():
    changes = {"name": ["Archer", "Archer III"]}
    assert preview_model_changes(changes, include_old=True) == {"name": {"old": "Archer", "new": "Archer III"}}
    assert preview_model_changes(changes, include_old=False) == {"name": {"new": "Archer III"}}
