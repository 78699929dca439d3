"""Text from outside, made safe to store: finding and replacing lone surrogates.

JSON may escape half of a UTF-16 pair on its own ("\\ud800"); Python decodes it into a str that no
database, digest or page encoder can take, and one such value stored once broke two pages for good
(issue 13). Each importer checks at its edge (the Logger codec, the aircraft-model mapping, the
MyFlightbook mapping) and refuses the record naming the field; `printable` is for echoing a refused
value back in a reason. The registry reads bytes with errors="replace", which never makes surrogates.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere inside a decoded JSON value (object keys included) holds a lone surrogate.

    Iterative, so a deeply nested value cannot hit the recursion limit.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False
