"""Reading the releasable database: every quirk of the FAA files, on our synthetic sample (no database)."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest

from flightbridge.errors import FatalError
from flightbridge.registry import sample
from flightbridge.registry.releasable import (
    ACFTREF,
    DEREG,
    MASTER,
    ReleasableSource,
    header_key,
    iter_aircraft,
    read_acftref,
    read_engines,
    read_rows,
)


def read_all(path):
    problems = []
    with ReleasableSource(path) as source:
        models = read_acftref(source, problems.append)
        engines = read_engines(source, problems.append)
        master = {row["n_number"]: row for row in iter_aircraft(source, MASTER, models, engines, problems.append)}
        dereg = list(iter_aircraft(source, DEREG, models, engines, problems.append)) if source.has(DEREG) else []
        file_date = source.file_date()
    return models, engines, master, dereg, problems, file_date


@pytest.fixture(scope="module")
def parsed():
    return read_all(sample.SAMPLE_PATH)


def test_the_shipped_sample_is_what_the_script_writes(tmp_path):
    rebuilt = sample.build_sample(tmp_path / "sample.zip")
    with zipfile.ZipFile(sample.SAMPLE_PATH) as shipped, zipfile.ZipFile(rebuilt) as fresh:
        assert shipped.namelist() == fresh.namelist() == ["MASTER.txt", "ACFTREF.txt", "ENGINE.txt", "DEREG.txt", "RESERVED.txt"]
        for name in shipped.namelist():
            assert shipped.read(name) == fresh.read(name), name


def test_sample_has_the_raw_quirks():
    with zipfile.ZipFile(sample.SAMPLE_PATH) as archive:
        master = archive.read("MASTER.txt")
        dereg = archive.read("DEREG.txt").decode("utf-8-sig")
    assert master.startswith(b"\xef\xbb\xbfN-NUMBER,")  # byte-order mark
    lines = master.decode("utf-8-sig").splitlines()
    assert ", KIT MODEL," in lines[0]  # the space before KIT MODEL
    assert all(line.endswith(",") for line in lines)  # trailing comma on every line
    assert lines[1].startswith("12345,172S10452 ")  # no N, padded fields
    assert any(line.startswith("8UW  ,") for line in lines)  # a short mark padded to 5
    assert "ÉLAN" in master.decode("utf-8-sig")
    assert "MODE S CODE HEX" not in dereg.splitlines()[0]  # the DEREG layout without the hex column


def test_master_rows_are_mapped_by_header_and_stripped(parsed):
    models, engines, master, _dereg, _problems, file_date = parsed
    assert file_date == date(2026, 11, 2)
    assert len(models) == len(sample.SAMPLE_MODELS) and len(engines) == len(sample.SAMPLE_ENGINES)
    row = master["12345"]
    assert row["manufacturer"] == "CESSNA" and row["model"] == "172S"
    assert row["serial_number"] == "172S10452"
    assert row["type_aircraft"] == "4" and row["type_engine"] == "1"
    assert row["seats"] == 4 and row["engines"] == 1 and row["year"] == 2007
    assert row["engine_manufacturer"] == "LYCOMING" and row["engine_model"] == "IO-360-L2A" and row["horsepower"] == 180
    assert row["status_code"] == "V"
    assert row["expiration_date"] == date(2031, 6, 30)
    assert row["mode_s_octal"] == "50060731" and row["mode_s_hex"] == "A061D9"
    assert row["line"] == 2
    assert master["747BA"]["thrust"] == 66500 and master["747BA"]["type_engine"] == "5"
    assert master["88EV"]["type_engine"] == "10"  # 2-wide engine type
    assert master["431RV"]["kit_manufacturer"] == "VANS AIRCRAFT INC" and master["431RV"]["kit_model"] == "RV-7A"
    assert master["8UW"]["n_number"] == "8UW"
    # Blank dates are None, not errors.
    assert master["350KA"]["expiration_date"] is None and master["350KA"]["airworthiness_date"] is None
    # Only the octal code in this row: the hex is derived from it.
    assert master["3J"]["mode_s_hex"] == "A31B68" and master["3J"]["mode_s_octal"] == f"{0xA31B68:08o}"


def test_bad_rows_are_skipped_and_reported_by_line(parsed):
    _models, _engines, master, _dereg, problems, _date = parsed
    skipped = {(p.line, p.field): p.reason for p in problems if p.skipped}
    first_bad = len(sample.SAMPLE_AIRCRAFT) + 2  # header is line 1
    assert skipped == {
        (first_bad, "N-NUMBER"): "'0123A' is not a valid US registration mark",
        (first_bad + 1, "N-NUMBER"): "'12I4' is not a valid US registration mark",
        (first_bad + 2, "N-NUMBER"): "N172SP appears twice in MASTER.txt",
        (first_bad + 3, ""): "the row has 11 fields where the header has 35 (cut off, or a comma inside a value)",
        (first_bad + 4, ""): "the row has 36 fields where the header has 35 (cut off, or a comma inside a value)",
    }
    assert all(p.file == MASTER for p in problems)
    assert "222TR" not in master and "333CM" not in master
    assert master["172SP"]["serial_number"] == "172S8812"  # the first row for a mark wins
    assert len(master) == len(sample.SAMPLE_AIRCRAFT)


def test_bad_fields_are_blanked_and_reported(parsed):
    _models, _engines, master, _dereg, problems, _date = parsed
    warnings = {(p.line, p.field) for p in problems if not p.skipped}
    bad_date_line = master["5555Z"]["line"]
    assert (bad_date_line, "CERT ISSUE DATE") in warnings
    assert master["5555Z"]["cert_issue_date"] is None
    assert master["5555Z"]["expiration_date"] == date(2030, 12, 31)
    assert (master["77777"]["line"], "MFR MDL CODE") in warnings
    assert master["77777"]["manufacturer"] == "" and master["77777"]["seats"] is None


def test_dereg_uses_hyphenated_headers_and_repeats_marks(parsed):
    _models, _engines, master, dereg, _problems, _date = parsed
    assert [row["n_number"] for row in dereg] == ["12345", "4567D", "4567D", "61DR"]
    old = dereg[0]
    assert old["source"] == "dereg" and old["cancel_date"] == date(1998, 10, 12)
    assert old["manufacturer"] == "PIPER" and old["model"] == "J-3C-65" and old["year"] == 1946
    assert old["type_aircraft"] == "4"  # DEREG has no TYPE AIRCRAFT: taken from ACFTREF
    assert old["mode_s_hex"] == master["12345"]["mode_s_hex"]  # no hex column: derived from the octal


def test_folder_and_bare_master_path(tmp_path):
    with zipfile.ZipFile(sample.SAMPLE_PATH) as archive:
        archive.extractall(tmp_path)
    for path in (tmp_path, tmp_path / "MASTER.txt"):
        _models, _engines, master, dereg, problems, _date = read_all(path)
        assert len(master) == len(sample.SAMPLE_AIRCRAFT) and len(dereg) == 4
        assert sum(p.skipped for p in problems) == 5


def test_zip_with_files_in_a_folder_and_lower_case_names(tmp_path):
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(sample.SAMPLE_PATH) as source, zipfile.ZipFile(nested, "w") as target:
        for name in ("MASTER.txt", "ACFTREF.txt"):
            target.writestr(f"ReleasableAircraft/{name.lower()}", source.read(name))
    _models, engines, master, dereg, _problems, _date = read_all(nested)
    assert engines == {} and dereg == []
    assert master["747BA"]["manufacturer"] == "BOEING" and master["747BA"]["engine_model"] == ""


def test_missing_files_and_columns_are_fatal(tmp_path):
    with pytest.raises(FatalError, match="no such file"):
        ReleasableSource(tmp_path / "nope.zip")
    with pytest.raises(FatalError, match="no MASTER.txt"):
        ReleasableSource(tmp_path)
    (tmp_path / "MASTER.txt").write_text("N-NUMBER,NAME,\n1A,X,\n")
    with pytest.raises(FatalError, match="no ACFTREF.txt"):
        ReleasableSource(tmp_path)
    (tmp_path / "ACFTREF.txt").write_text("CODE,MFR,MODEL,\n")
    with ReleasableSource(tmp_path) as source, pytest.raises(FatalError, match="no column MFR MDL CODE"):
        list(iter_aircraft(source, MASTER, {}, {}, lambda problem: None))


def test_header_keys_unify_the_layouts():
    assert header_key("\ufeffN-NUMBER") == "N NUMBER"
    assert header_key(" KIT MODEL") == "KIT MODEL"
    assert header_key("MFR-MDL-CODE") == header_key("MFR MDL CODE") == "MFR MDL CODE"


def test_read_rows_ignores_column_order(tmp_path):
    """The layout has changed over the years: a file with the columns in another order reads the same."""
    path = tmp_path / "x.txt"
    path.write_text("MFR,CODE,MODEL,\nCESSNA    ,2072738,172S      ,\n\n")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(read_rows(handle, ACFTREF, ("CODE",), lambda problem: None))
    assert rows == [(2, {"MFR": "CESSNA", "CODE": "2072738", "MODEL": "172S"})]


def test_the_2026_layout_with_drifted_widths(tmp_path):
    """The 2026 files have UNIQUE ID 7 wide and KIT MFR 10 wide (ardata says 8 and 30): read by header it does not matter."""
    columns = [(name, width) for name, width in sample.MASTER_COLUMNS]
    widths = dict(columns) | {"UNIQUE ID": 7, "KIT MFR": 10}
    drifted = [(name, widths[name]) for name, _width in columns]
    values = {
        "N-NUMBER": "1801U", "SERIAL NUMBER": "60223", "MFR MDL CODE": "13844FZ", "ENG MFR MDL": "13124", "YEAR MFR": "2022",
        "TYPE REGISTRANT": "3", "NAME": "SOUTHWEST AIRLINES CO", "STREET": "2702 LOVE FIELD DR # HDQ-4GC", "CITY": "DALLAS",
        "STATE": "TX", "ZIP CODE": "752351908", "CERTIFICATION": "1T", "TYPE AIRCRAFT": "5", "TYPE ENGINE": "5",
        "STATUS CODE": "V", "MODE S CODE": "50241472", "EXPIRATION DATE": "20290731", "UNIQUE ID": "1355056",
        "MODE S CODE HEX": "A1433A",
    }
    line = sample.format_line(drifted, values)
    assert ",20290731,1355056,          ,                    ,A1433A    ," in line
    (tmp_path / "MASTER.txt").write_bytes(b"\xef\xbb\xbf" + (sample.header_line(drifted) + line).encode())
    (tmp_path / "ACFTREF.txt").write_text(
        sample.header_line(sample.ACFTREF_COLUMNS)
        + sample.format_line(sample.ACFTREF_COLUMNS, {"CODE": "13844FZ", "MFR": "BOEING", "MODEL": "737-8", "TYPE-ACFT": "5",
                                                      "TYPE-ENG": "5", "NO-ENG": "02", "NO-SEATS": "189"})
    )
    _models, _engines, master, _dereg, problems, _date = read_all(tmp_path)
    assert problems == []
    row = master["1801U"]
    assert (row["manufacturer"], row["model"], row["seats"], row["unique_id"]) == ("BOEING", "737-8", 189, "1355056")
    assert row["mode_s_hex"] == "A1433A" and row["kit_manufacturer"] == ""
    assert row["expiration_date"] == date(2029, 7, 31)
