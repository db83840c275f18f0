"""Personal data outside ``confidential``: phone numbers and 18-digit ID numbers are errors.

Seed 000 「不得泄露国家机密和不宜公开的信息」: a reporter's phone or ID number typed into a title, an
excerpt or a reply would be published on the site. Scanned on raw data, before the model drops
``confidential``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def is_id_number(candidate: str) -> bool:
    """GB 11643 check digit and a plausible birth date."""
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(candidate[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != candidate[17].upper():
        return False
    year, month, day = int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def _strings(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if path == () and key == "confidential":
                continue
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


# Cheap necessary conditions: every phone or ID number above has seven digits in a row, or is a
# mobile number written in 3-4-4 groups. Two plain searches cost a fraction of the full patterns.
_PREFILTERS = (re.compile(r"[0-9]{7}"), re.compile(r"[0-9]{3}[- ][0-9]{4}[- ][0-9]{4}"))


def find_personal_data(data: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(field path, what was found) for each phone or ID number outside ``confidential``."""
    # One C-speed search over the whole document first: most files have nothing that even looks
    # like a number of that kind, and walking every string in Python costs more than parsing.
    text = json.dumps(data, ensure_ascii=False)
    if not any(prefilter.search(text) for prefilter in _PREFILTERS):
        return
    for path, text in _strings(data):
        if not any(ch.isdigit() for ch in text):
            continue
        for match in ID_NUMBER.finditer(text):
            if is_id_number(match.group()):
                yield path, "身份证号"
        if text.startswith(("http://", "https://")):
            continue  # post ids in URLs look like phone numbers; ID numbers above are still caught
        if MOBILE.search(text) or LANDLINE.search(text):
            yield path, "电话号码"
