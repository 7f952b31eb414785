"""The boundary types of the banks package: the status table a bank declares."""

from __future__ import annotations

import pytest

from ningxia_yikatong.banks import ReturnStatus, get_adapter
from ningxia_yikatong.banks._model import status_table
from ningxia_yikatong.errors import AdapterError


def test_a_status_table_gives_the_written_and_the_read_codes() -> None:
    written, read = status_table(
        """
        success   0000  入账成功
        frozen    3001  账户 冻结
        """,
        also="""
        frozen    3002  司法冻结
        """,
    )
    assert list(written.items()) == [
        (ReturnStatus.SUCCESS, ("0000", "入账成功")),
        (ReturnStatus.FROZEN, ("3001", "账户 冻结")),
    ]
    assert read == {
        "0000": ReturnStatus.SUCCESS,
        "3001": ReturnStatus.FROZEN,
        "3002": ReturnStatus.FROZEN,
    }


@pytest.mark.parametrize(
    ("table", "also", "problem"),
    [
        ("success 0000", "", "结果 代码 说明"),
        ("success 0000 成功\nsuccess 0001 成功", "", "只能出现一次"),
        ("success 0000 成功\nfrozen 0000 冻结", "", "只能出现一次"),
        ("success 0000 成功", "frozen 0000 冻结", "只能出现一次"),
        ("paid 0000 成功", "", "paid"),
    ],
)
def test_a_status_table_refuses_mistakes(table: str, also: str, problem: str) -> None:
    with pytest.raises(AdapterError, match=problem) as info:
        status_table(table, also=also)
    assert info.value.code == "adapter.status_table"


def test_the_banks_declare_every_status_once() -> None:
    for code in ("abc", "boc", "ccb", "icbc", "nxrcb", "psbc"):
        adapter = get_adapter(code)
        assert set(adapter.status_codes) == set(ReturnStatus)
        for status, (raw, _) in adapter.status_codes.items():
            assert adapter.return_codes[raw] is status
