"""Write FAA releasable-database files the way the FAA does, and build our small synthetic sample ZIP.

`python -m flightbridge.registry.sample [OUT.zip]` (or `flightbridge registry sample OUT.zip`) regenerates
`data/sample_registry.zip`, which ships in the package for the tests and the demo. Every row is
invented (corporate or synthetic names, no real owner), but every quirk of the real files is there:
the UTF-8 byte-order mark, space padding to the ardata widths, the trailing comma on every line, the
`KIT MFR, KIT MODEL` header, N-numbers without the N, blank dates, 9- and 5-digit ZIP codes, octal and
hex Mode S codes (and a row with only the octal), 2-wide engine types, V / T / expired / pending
statuses, DEREG reusing a current N-number, a DEREG without the hex column, a RESERVED file, and a
handful of bad rows the loader must skip and report by line. It must never contain real owners' data.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .nnumber import LETTERS, mode_s_hex

SAMPLE_PATH = Path(__file__).with_name("data") / "sample_registry.zip"
SAMPLE_FILE_DATE = (2026, 11, 2, 23, 30, 0)  # the FAA refreshes the ZIP at 11:30 pm Central

# (header, ardata width). The header cells are written unpadded; data cells are padded to the width.
MASTER_COLUMNS = [
    ("N-NUMBER", 5), ("SERIAL NUMBER", 30), ("MFR MDL CODE", 7), ("ENG MFR MDL", 5), ("YEAR MFR", 4),
    ("TYPE REGISTRANT", 1), ("NAME", 50), ("STREET", 33), ("STREET2", 33), ("CITY", 18), ("STATE", 2),
    ("ZIP CODE", 10), ("REGION", 1), ("COUNTY", 3), ("COUNTRY", 2), ("LAST ACTION DATE", 8),
    ("CERT ISSUE DATE", 8), ("CERTIFICATION", 10), ("TYPE AIRCRAFT", 1), ("TYPE ENGINE", 2), ("STATUS CODE", 2),
    ("MODE S CODE", 8), ("FRACT OWNER", 1), ("AIR WORTH DATE", 8), ("OTHER NAMES(1)", 50), ("OTHER NAMES(2)", 50),
    ("OTHER NAMES(3)", 50), ("OTHER NAMES(4)", 50), ("OTHER NAMES(5)", 50), ("EXPIRATION DATE", 8),
    ("UNIQUE ID", 8), ("KIT MFR", 30), (" KIT MODEL", 20), ("MODE S CODE HEX", 10),
]
ACFTREF_COLUMNS = [
    ("CODE", 7), ("MFR", 30), ("MODEL", 20), ("TYPE-ACFT", 1), ("TYPE-ENG", 2), ("AC-CAT", 1), ("BUILD-CERT-IND", 1),
    ("NO-ENG", 2), ("NO-SEATS", 3), ("AC-WEIGHT", 7), ("SPEED", 4), ("TC-DATA-SHEET", 15), ("TC-DATA-HOLDER", 50),
]
ENGINE_COLUMNS = [("CODE", 5), ("MFR", 10), ("MODEL", 13), ("TYPE", 2), ("HORSEPOWER", 5), ("THRUST", 6)]
DEREG_COLUMNS = [
    ("N-NUMBER", 5), ("SERIAL-NUMBER", 30), ("MFR-MDL-CODE", 7), ("STATUS-CODE", 1), ("NAME", 50),
    ("STREET-MAIL", 33), ("STREET2-MAIL", 33), ("CITY-MAIL", 18), ("STATE-ABBREV-MAIL", 2), ("ZIP-CODE-MAIL", 10),
    ("ENG-MFR-MDL", 5), ("YEAR-MFR", 4), ("CERTIFICATION", 10), ("REGION", 1), ("COUNTY-MAIL", 3),
    ("COUNTRY-MAIL", 2), ("AIR-WORTH-DATE", 8), ("CANCEL-DATE", 8), ("MODE-S-CODE", 8), ("INDICATOR-GROUP", 1),
    ("EXP-COUNTRY", 18), ("LAST-ACT-DATE", 8), ("CERT-ISSUE-DATE", 8), ("STREET-PHYSICAL", 33),
    ("STREET2-PHYSICAL", 33), ("CITY-PHYSICAL", 18), ("STATE-ABBREV-PHYSICAL", 2), ("ZIP-CODE-PHYSICAL", 10),
    ("COUNTY-PHYSICAL", 3), ("COUNTRY-PHYSICAL", 2), ("OTHER-NAMES(1)", 50), ("OTHER-NAMES(2)", 50),
    ("OTHER-NAMES(3)", 50), ("OTHER-NAMES(4)", 50), ("OTHER-NAMES(5)", 50), ("KIT MFR", 30), (" KIT MODEL", 20),
]  # no MODE S CODE HEX: one published DEREG layout lacks it
RESERVED_COLUMNS = [
    ("N-NUMBER", 5), ("REGISTRANT", 50), ("STREET", 33), ("STREET2", 33), ("CITY", 18), ("STATE", 2),
    ("ZIP CODE", 10), ("RSV DATE", 8), ("TR", 2), ("EXP DATE", 8), ("N-NUM-CHG", 5), ("PURGE DATE", 8),
]


def header_line(columns) -> str:
    return ",".join(name for name, _width in columns) + ",\r\n"


def format_line(columns, values: dict[str, str]) -> str:
    """One data line as the FAA writes it: every cell padded to its width, a comma after each, CRLF."""
    cells = []
    for name, width in columns:
        value = str(values.get(name.strip(), ""))
        cells.append(value.ljust(width))
    return ",".join(cells) + ",\r\n"


def mode_s_codes(mark: str) -> tuple[str, str]:
    """(octal, hex padded to 10) as MASTER carries them."""
    hex_code = mode_s_hex(mark) or ""
    return (f"{int(hex_code, 16):08o}" if hex_code else "", hex_code.ljust(10))


def write_releasable_zip(path: Path, files: dict[str, Iterable[str]], date_time=SAMPLE_FILE_DATE) -> Path:
    """Stream each file's lines into the ZIP (with the BOM the FAA puts first); never builds a file in memory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, lines in files.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                member.write(b"\xef\xbb\xbf")
                buffer: list[str] = []
                for line in lines:
                    buffer.append(line)
                    if len(buffer) >= 1000:
                        member.write("".join(buffer).encode("utf-8"))
                        buffer = []
                member.write("".join(buffer).encode("utf-8"))
    return path


# --- the sample's content -----------------------------------------------------------------------

# code: (MFR, MODEL, TYPE-ACFT, TYPE-ENG, AC-CAT, BUILD-CERT-IND, NO-ENG, NO-SEATS, AC-WEIGHT)
SAMPLE_MODELS = {
    "2072738": ("CESSNA", "172S", "4", "1", "1", "0", "01", "004", "CLASS 1"),
    "2072750": ("CESSNA", "182T", "4", "1", "1", "0", "01", "004", "CLASS 1"),
    "7102802": ("PIPER", "PA-28-181", "4", "1", "1", "0", "01", "004", "CLASS 1"),
    "7100410": ("PIPER", "J-3C-65", "4", "1", "1", "0", "01", "002", "CLASS 1"),
    "1384802": ("BOEING", "747-8F", "5", "5", "1", "0", "04", "004", "CLASS 3"),
    "1152018": ("CIRRUS DESIGN CORP", "SR22", "4", "1", "1", "0", "01", "005", "CLASS 1"),
    "6390110": ("ROBINSON HELICOPTER", "R44 II", "6", "1", "1", "0", "01", "004", "CLASS 1"),
    "05601AF": ("BEECH", "G36", "4", "1", "1", "0", "01", "006", "CLASS 1"),
    "0561322": ("BEECH", "B200", "5", "2", "1", "0", "02", "010", "CLASS 1"),
    "4860124": ("DIAMOND AIRCRAFT IND INC", "DA 40", "4", "1", "1", "0", "01", "004", "CLASS 1"),
    "8880712": ("VANS", "RV-7A", "4", "1", "1", "1", "01", "002", "CLASS 1"),
    "3990021": ("SCHLEICHER ALEXANDER GMBH", "ASK 21", "1", "0", "1", "0", "00", "002", "CLASS 1"),
    "1230090": ("CAMERON BALLOONS", "Z-90", "2", "0", "1", "0", "00", "003", "CLASS 1"),
    "7140001": ("PIPISTREL D O O", "VIRUS SW 121", "4", "10", "1", "2", "01", "002", "CLASS 1"),
    "2073301": ("CESSNA", "208B", "4", "2", "2", "0", "01", "011", "CLASS 1"),
}
# code: (MFR, MODEL, TYPE, HORSEPOWER, THRUST)
SAMPLE_ENGINES = {
    "41514": ("LYCOMING", "IO-360-L2A", "1", "00180", "000000"),
    "41525": ("LYCOMING", "O-360-A4M", "1", "00180", "000000"),
    "17003": ("CONT MOTOR", "A-65-8", "1", "00065", "000000"),
    "52071": ("CONT MOTOR", "IO-550-N", "1", "00310", "000000"),
    "34052": ("GE", "GENX-2B67", "5", "00000", "066500"),
    "41533": ("LYCOMING", "IO-540-AE1A5", "1", "00245", "000000"),
    "60013": ("P&W CANADA", "PT6A-52", "2", "00850", "000000"),
    "60024": ("P&W CANADA", "PT6A-114A", "2", "00675", "000000"),
    "30070": ("PIPISTREL", "E-811-268MVLC", "10", "00077", "000000"),
}

# The tails a MyFlightbook sandbox is likely to use, and a few more of every kind.
# mark without N: (serial, MFR MDL, ENG, year, registrant type, name, city, state, zip, certification,
#                  status, cert issue, expiration, kit mfr, kit model)
SAMPLE_AIRCRAFT = [
    ("12345", "172S10452", "2072738", "41514", "2007", "7", "SKYHAWK PARTNERS LLC", "WICHITA", "KS", "672091234", "1N", "V", "20240611", "20310630", "", ""),
    ("172SP", "172S8812", "2072738", "41514", "2001", "3", "BLUE SKY FLIGHT SCHOOL INC", "SAN DIEGO", "CA", "92123", "1N", "V", "20230915", "20300930", "", ""),
    ("747BA", "64091", "1384802", "34052", "2014", "3", "BRIDGE CARGO AIRLINES CORP", "ANCHORAGE", "AK", "995021900", "1T", "V", "20240102", "20310131", "", ""),
    ("9876X", "28-7990311", "7102802", "41525", "1979", "1", "SYNTHETIC PILOT ONE", "FREDERICK", "MD", "21701", "1N", "T", "20250405", "20320430", "", ""),
    ("52SP", "6021", "1152018", "52071", "2019", "7", "CIRRUS OWNERS DEMO LLC", "DULUTH", "MN", "558111234", "1N", "V", "20230301", "20300331", "", ""),
    ("8UW", "14320", "6390110", "41533", "2015", "3", "ROTOR WORKS HELICOPTERS INC", "TORRANCE", "CA", "90505", "1N", "V", "20240720", "20310731", "", ""),
    ("431RV", "72541", "8880712", "41514", "2010", "1", "SYNTHETIC BUILDER TWO", "BOISE", "ID", "83705", "4E", "V", "20221104", "20291130", "VANS AIRCRAFT INC", "RV-7A"),
    ("2468", "E-3801", "05601AF", "52071", "2008", "7", "BONANZA DEMO LLC", "DENVER", "CO", "802071234", "1N", "V", "20250110", "20320131", "", ""),
    ("1K", "40.1066", "4860124", "41514", "2006", "3", "DIAMOND TRAINING CORP", "LONDON", "KY", "40741", "1N", "V", "20240210", "20310228", "", ""),
    ("100", "40.1123", "4860124", "41514", "2007", "5", "STATE UNIVERSITY AVIATION DEPT", "COLUMBUS", "OH", "432101234", "1N", "V", "20230601", "20300630", "", ""),
    ("733FC", "18282140", "2072750", "52071", "2008", "1", "SYNTHETIC PILOT THREE", "TULSA", "OK", "74107", "1N", "13", "20160301", "20230331", "", ""),
    ("6120X", "172S9001", "2072738", "41514", "2002", "7", "LAPSED REGISTRATION LLC", "OGDEN", "UT", "84405", "1N", "V", "20170601", "20240630", "", ""),
    ("350KA", "BB-1922", "0561322", "60013", "2005", "3", "KING AIR CHARTER CORP", "TETERBORO", "NJ", "07608", "1T", "R", "20261020", "", "", ""),
    ("28GL", "21650", "3990021", "", "1996", "2", "RIDGE SOARING PARTNERSHIP", "JULIAN", "PA", "16844", "1U", "V", "20230502", "20300531", "", ""),
    ("90BL", "12034", "1230090", "", "2012", "3", "ÉLAN BALLOON ADVENTURES INC", "ALBUQUERQUE", "NM", "87113", "1N", "V", "20240815", "20310831", "", ""),
    ("3J", "12874", "7100410", "17003", "1946", "1", "SYNTHETIC PILOT FOUR", "LOCK HAVEN", "PA", "17745", "1N", "V", "20220707", "20290731", "", ""),
    ("88EV", "EV0042", "7140001", "30070", "2021", "3", "ELECTRIC TRAINING CORP", "SANTA ROSA", "CA", "95403", "6", "V", "20230101", "20300131", "", ""),
    ("208CV", "208B5501", "2073301", "60024", "2018", "3", "ISLAND SEAPLANE CORP", "KETCHIKAN", "AK", "99901", "1N", "V", "20240303", "20310331", "", ""),
    ("411FB", "172S11801", "2072738", "41514", "2017", "3", "FLIGHTBRIDGE DEMO AERO CLUB INC", "AUSTIN", "TX", "787441234", "1N", "V", "20250901", "20320930", "", ""),
    ("73WX", "28-8190123", "7102802", "41525", "1981", "4", "SYNTHETIC CO-OWNERS FIVE", "SPOKANE", "WA", "99224", "1N", "V", "20240101", "20310131", "", ""),
    # The MyFlightbook sandbox's club aircraft, so the demo's sync finds them (N4455T, N98CB, N440RH stay unknown).
    ("52417", "172S10877", "2072738", "41514", "2009", "3", "NORTHWEST FLYING CLUB INC", "EVERETT", "WA", "982041234", "1N", "V", "20240404", "20310430", "", ""),
    ("731PA", "2843512", "7102802", "41525", "2003", "3", "NORTHWEST FLYING CLUB INC", "EVERETT", "WA", "982041234", "1N", "V", "20250212", "20320228", "", ""),
    ("5555Z", "172S9999", "2072738", "41514", "2003", "7", "BAD DATE EXAMPLE LLC", "PHOENIX", "AZ", "85034", "1N", "V", "20231345", "20301231", "", ""),
    ("77777", "X-1", "9999999", "", "2020", "3", "UNKNOWN MODEL EXAMPLE CORP", "MOJAVE", "CA", "93501", "4E", "V", "20240101", "20310131", "", ""),
]
# Rows written with only the octal Mode S code (older layout), to prove the hex is derived.
OCTAL_ONLY = {"3J"}
# Rows the loader must skip, each with the reason a test expects (line numbers follow the file).
SAMPLE_BAD_MASTER = [
    ("0123A", "the first digit after N is 0"),
    ("12I4", "contains the letter I"),
    ("172SP", "a second row for N172SP"),
]

# mark: (serial, MFR MDL, ENG, year, status, cancel date, export country)
SAMPLE_DEREG = [
    ("12345", "17863", "7100410", "17003", "1946", "A", "19981012", ""),
    ("4567D", "172S10001", "2072738", "41514", "2005", "E", "20240315", ""),
    ("4567D", "17265432", "2072738", "41514", "1968", "A", "20010101", ""),
    ("61DR", "18281999", "2072750", "52071", "2007", "E", "20220817", "CANADA"),
]
SAMPLE_RESERVED = [("1FB", "FLIGHTBRIDGE DEMO AERO CLUB INC", "20260101", "20270101")]


def _master_values(row) -> dict[str, str]:
    (mark, serial, mfr_mdl, eng, year, registrant, name, city, state, zip_code, certification, status,
     issued, expires, kit_mfr, kit_model) = row
    octal, hex_code = mode_s_codes(f"N{mark}")
    model = SAMPLE_MODELS.get(mfr_mdl)
    return {
        "N-NUMBER": mark, "SERIAL NUMBER": serial, "MFR MDL CODE": mfr_mdl, "ENG MFR MDL": eng, "YEAR MFR": year,
        "TYPE REGISTRANT": registrant, "NAME": name, "STREET": "100 SYNTHETIC WAY", "CITY": city, "STATE": state,
        "ZIP CODE": zip_code, "REGION": "3", "COUNTY": "173", "COUNTRY": "US", "LAST ACTION DATE": issued,
        "CERT ISSUE DATE": issued, "CERTIFICATION": certification,
        "TYPE AIRCRAFT": model[2] if model else "4", "TYPE ENGINE": model[3] if model else "1",
        "STATUS CODE": status, "MODE S CODE": octal, "AIR WORTH DATE": issued if status != "R" else "",
        "EXPIRATION DATE": expires, "UNIQUE ID": f"{int(octal, 8) % 10_000_000:07d}",
        "KIT MFR": kit_mfr, "KIT MODEL": kit_model, "MODE S CODE HEX": "" if mark in OCTAL_ONLY else hex_code,
    }


def sample_master_lines() -> Iterable[str]:
    yield header_line(MASTER_COLUMNS)
    for row in SAMPLE_AIRCRAFT:
        yield format_line(MASTER_COLUMNS, _master_values(row))
    bad_template = _master_values(SAMPLE_AIRCRAFT[1])
    for mark, _reason in SAMPLE_BAD_MASTER:
        yield format_line(MASTER_COLUMNS, {**bad_template, "N-NUMBER": mark})
    # A truncated line (the download was cut) and a name with an unquoted comma (one field too many).
    yield format_line(MASTER_COLUMNS[:10], _master_values(SAMPLE_AIRCRAFT[2]) | {"N-NUMBER": "222TR"})
    yield format_line(MASTER_COLUMNS, {**bad_template, "N-NUMBER": "333CM", "NAME": "SMITH, SYNTHETIC"})


def sample_dereg_lines() -> Iterable[str]:
    yield header_line(DEREG_COLUMNS)
    for mark, serial, mfr_mdl, eng, year, status, cancelled, export in SAMPLE_DEREG:
        octal, _hex = mode_s_codes(f"N{mark}")
        yield format_line(DEREG_COLUMNS, {
            "N-NUMBER": mark, "SERIAL-NUMBER": serial, "MFR-MDL-CODE": mfr_mdl, "STATUS-CODE": status,
            "NAME": "FORMER SYNTHETIC OWNER INC", "CITY-MAIL": "RENO", "STATE-ABBREV-MAIL": "NV",
            "ZIP-CODE-MAIL": "89502", "ENG-MFR-MDL": eng, "YEAR-MFR": year, "CERTIFICATION": "1N", "REGION": "4",
            "COUNTRY-MAIL": "US", "CANCEL-DATE": cancelled, "MODE-S-CODE": octal, "EXP-COUNTRY": export,
            "LAST-ACT-DATE": cancelled,
        })


def sample_files() -> dict[str, Iterable[str]]:
    acftref = [header_line(ACFTREF_COLUMNS)] + [
        format_line(ACFTREF_COLUMNS, dict(zip(
            ["CODE", "MFR", "MODEL", "TYPE-ACFT", "TYPE-ENG", "AC-CAT", "BUILD-CERT-IND", "NO-ENG", "NO-SEATS", "AC-WEIGHT"],
            (code, *values), strict=True)) | {"SPEED": "0000", "TC-DATA-SHEET": "SYNTH-" + code[:3], "TC-DATA-HOLDER": values[0]})
        for code, values in SAMPLE_MODELS.items()
    ]
    engine = [header_line(ENGINE_COLUMNS)] + [
        format_line(ENGINE_COLUMNS, dict(zip(["CODE", "MFR", "MODEL", "TYPE", "HORSEPOWER", "THRUST"], (code, *values), strict=True)))
        for code, values in SAMPLE_ENGINES.items()
    ]
    reserved = [header_line(RESERVED_COLUMNS)] + [
        format_line(RESERVED_COLUMNS, {"N-NUMBER": mark, "REGISTRANT": name, "RSV DATE": reserved_on, "EXP DATE": expires, "TR": "1"})
        for mark, name, reserved_on, expires in SAMPLE_RESERVED
    ]
    return {"MASTER.txt": sample_master_lines(), "ACFTREF.txt": acftref, "ENGINE.txt": engine,
            "DEREG.txt": sample_dereg_lines(), "RESERVED.txt": reserved}


def synthetic_marks() -> Iterable[str]:
    """Distinct valid marks without the N: N1…N99999, then N1A…N9999Z (339,975 in all)."""
    yield from (str(number) for number in range(1, 100_000))
    for number in range(1, 10_000):
        for letter in LETTERS:
            yield f"{number}{letter}"


def synthetic_registry(path: Path, aircraft: int, *, models: int = 2_000, date_time=SAMPLE_FILE_DATE) -> Path:
    """A full-size stand-in for ReleasableAircraft.zip (MASTER + ACFTREF, generated row by row) for benchmarks and reload tests."""
    codes = [f"S{index:06d}" for index in range(models)]

    def acftref() -> Iterable[str]:
        yield header_line(ACFTREF_COLUMNS)
        for index, code in enumerate(codes):
            yield format_line(ACFTREF_COLUMNS, {
                "CODE": code, "MFR": f"SYNTHETIC MAKER {index % 97}", "MODEL": f"MODEL {index}", "TYPE-ACFT": "4",
                "TYPE-ENG": "1", "AC-CAT": "1", "BUILD-CERT-IND": "0", "NO-ENG": "01", "NO-SEATS": f"{2 + index % 8:03d}",
                "AC-WEIGHT": "CLASS 1", "SPEED": "0000"})

    def master() -> Iterable[str]:
        yield header_line(MASTER_COLUMNS)
        for index, mark in zip(range(aircraft), synthetic_marks()):
            octal, hex_code = mode_s_codes(f"N{mark}")
            yield format_line(MASTER_COLUMNS, {
                "N-NUMBER": mark, "SERIAL NUMBER": f"SN{index:08d}", "MFR MDL CODE": codes[index % models],
                "YEAR MFR": str(1950 + index % 75), "TYPE REGISTRANT": "3", "NAME": f"SYNTHETIC OWNER {index} INC",
                "CITY": "ANYTOWN", "STATE": "KS", "ZIP CODE": "672091234", "COUNTRY": "US", "LAST ACTION DATE": "20250101",
                "CERT ISSUE DATE": "20250101", "CERTIFICATION": "1N", "TYPE AIRCRAFT": "4", "TYPE ENGINE": "1",
                "STATUS CODE": "V", "MODE S CODE": octal, "AIR WORTH DATE": "20000101", "EXPIRATION DATE": "20320131",
                "UNIQUE ID": f"{index:08d}", "MODE S CODE HEX": hex_code})

    return write_releasable_zip(path, {"MASTER.txt": master(), "ACFTREF.txt": acftref()}, date_time=date_time)


def build_sample(path: Path = SAMPLE_PATH) -> Path:
    return write_releasable_zip(path, sample_files())


if __name__ == "__main__":
    print(build_sample(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_PATH))
