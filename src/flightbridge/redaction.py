"""Keep secrets out of log output: a logging filter that masks anything shaped like a credential.

This is the last line of defence, not the first: code never logs a token on purpose. The filter
catches what slips through (an httpx debug line, an exception that quotes a request).
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"

_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|api_key|apikey|x-api-key|password)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
    # An OAuth authorization code only in URL or JSON form: "MFR MDL CODE: 1234" is registry data, not a secret.
    re.compile(r"(?i)((?:[?&\s]|^)code=|\"code\"\s*:\s*\")[^\"&\s,}]+"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?!bearer)[^\"'\s,}]+"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not drop the line
            return True
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
