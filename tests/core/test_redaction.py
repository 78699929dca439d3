import logging

from flightbridge.redaction import RedactSecretsFilter, redact


def test_redact_masks_credential_shapes():
    line = ('POST /token access_token=abc.def&refresh_token=r3fr3sh client_secret=shh '
            'Authorization: Bearer eyJhbGciOi.x.y {"api_key": "k-123"} code=authcode')
    cleaned = redact(line)
    for secret in ("abc.def", "r3fr3sh", "shh", "eyJhbGciOi.x.y", "k-123", "authcode"):
        assert secret not in cleaned
    assert cleaned.count("[redacted]") == 6


def test_filter_rewrites_records_and_exceptions():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", ("Bearer t0k3n",), None)
    try:
        raise ValueError("refresh_token=leaky")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactSecretsFilter().filter(record)
    assert "t0k3n" not in record.getMessage()
    assert "leaky" not in record.exc_text


def test_redact_leaves_registry_codes_alone():
    line = "MASTER.txt line 23 field MFR MDL CODE: '2072738' is not in ACFTREF.txt; ENG MFR MDL code: 17003"
    assert redact(line) == line
    assert "abc" not in redact('callback?state=s&code=abc and {"code": "abc"}')
