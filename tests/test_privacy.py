"""Phone numbers and ID numbers outside ``confidential`` are found; ordinary numbers are not."""

from __future__ import annotations

import pytest

from yuqing.privacy import find_personal_data, is_id_number


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("联系电话13812345678", "电话号码"),
        ("手机 138 1234 5678", "电话号码"),
        ("+86 138-1234-5678", "电话号码"),
        ("座机 0571-88881234", "电话号码"),
        ("010-2345678", "电话号码"),
        ("身份证 11010519491231002X 请核实", "身份证号"),
        ("身份证 11010519491231002x", "身份证号"),
    ],
)
def test_personal_data_is_found(text: str, found: str) -> None:
    assert list(find_personal_data({"events": [{"text": text}]})) == [(("events", 0, "text"), found)]


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T09:30:00+08:00",
        "YQ-2026-0153",
        "点击量 1234567 次",  # seven digits, but no phone prefix
        "12345678901",  # eleven digits, not a mobile prefix
        "11010519491231002Y",
        "110105194912310021",  # right shape, wrong check digit
        "https://tieba.baidu.com/p/13812345678",  # post ids in URLs look like phones
    ],
)
def test_ordinary_numbers_are_not_personal_data(text: str) -> None:
    assert list(find_personal_data({"title": text})) == []


def test_confidential_is_the_one_place_it_may_be() -> None:
    data = {"confidential": {"reporter": {"phone": "13812345678", "id_number": "11010519491231002X"}}}
    assert list(find_personal_data(data)) == []


def test_id_number_in_a_url_is_still_found() -> None:
    assert list(find_personal_data({"source": {"url": "https://x.example/?id=11010519491231002X"}}))


def test_check_digit() -> None:
    assert is_id_number("11010519491231002X")
    assert not is_id_number("11010519491231002Y")
    assert not is_id_number("110105194913310028")  # month 13
