"""MyFlightbook's wire formats as the sandbox writes them: Json.NET's JSON and .NET XmlSerializer's XML.

Json.NET writes a decimal with its scale and adds ".0" when it has no point (`1187.0`, `2.1000`), which
Python's json module cannot do; that quirk is the reason this module exists. It never omits keys: the
generator leaves default values out of each record, exactly as MyFlightbook does.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape


def net_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text if "." in text else text + ".0"


def dumps(value: Any) -> str:
    """Compact JSON with decimals written the way Json.NET writes System.Decimal."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return net_decimal(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _xml_value(name: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml_value(k, v) for k, v in value.items()) + f"</{name}>"
    if isinstance(value, list):
        return f"<{name}>" + "".join(_xml_value(_item_name(item), item) for item in value) + f"</{name}>"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = "" if value is None else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _item_name(item: Any) -> str:
    if isinstance(item, dict):
        return "anyType"
    if isinstance(item, int):
        return "int"
    return "string"


def dumps_xml(value: Any, type_name: str) -> str:
    """What MyFlightbook answers without `json=1`: XmlSerializer output (it claims utf-16 but sends UTF-8)."""
    head = '<?xml version="1.0" encoding="utf-16"?>'
    ns = ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    if isinstance(value, list):
        inner = "".join(_xml_value(type_name, item) if isinstance(item, dict) else _xml_value(_item_name(item), item) for item in value)
        return f"{head}<ArrayOf{type_name}{ns}>{inner}</ArrayOf{type_name}>"
    body = _xml_value(type_name, value)
    return head + body.replace(f"<{type_name}>", f"<{type_name}{ns}>", 1)
