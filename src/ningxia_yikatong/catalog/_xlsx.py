"""The public list as an XLSX workbook."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Final

from ..errors import ErrorDetail, Location
from ._base import _raise_problems
from ._render import PUBLIC_COLUMNS, public_rows

if TYPE_CHECKING:
    from ._revisions import CatalogRevision

#: Characters XML 1.0 (so XLSX) cannot hold: C0 controls other than tab, LF, CR.
_XML_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_CELL_MAX: Final = 32767


def _check_xlsx_text(
    sheet: str, rows: list[tuple[str, ...]], header: tuple[str, ...], first_row: int
) -> list[ErrorDetail]:
    """Text that XLSX cannot hold as it is (openpyxl would raise, or cut a cell at
    32,767 characters), found before anything is written."""
    problems: list[ErrorDetail] = []
    for number, row in enumerate(rows, first_row):
        for column, value in zip(header, row, strict=True):
            where = Location(row=number, column=column)
            bad = _XML_ILLEGAL.search(value)
            if bad is not None:
                problems.append(
                    ErrorDetail(
                        "catalog.xlsx_character",
                        f"工作表“{sheet}”中有XLSX无法保存的控制字符 U+{ord(bad.group()):04X}",
                        where,
                    )
                )
            if len(value) > _XLSX_CELL_MAX:
                problems.append(
                    ErrorDetail(
                        "catalog.xlsx_cell_too_long",
                        f"工作表“{sheet}”中的内容有{len(value)}个字符，"
                        f"超过XLSX单元格上限{_XLSX_CELL_MAX}",
                        where,
                    )
                )
    return problems


def _write_xlsx(revision: CatalogRevision, title: str) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - only needed for this export
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.cell.cell import Cell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    rows = public_rows(revision)
    info_rows = [
        ("清单名称", title),
        ("版本", str(revision.version)),
        ("生效日期", revision.effective_from.isoformat()),
        ("发布日期", revision.published_on.isoformat()),
        ("说明", revision.note),
        ("政策数", str(len(revision.policies))),
    ]
    _raise_problems(
        _check_xlsx_text("补贴政策清单", rows, PUBLIC_COLUMNS, 2)
        + _check_xlsx_text("版本信息", [(v,) for _, v in info_rows], ("B",), 1),
        "清单无法导出为XLSX",
        "catalog.xlsx_text",
    )

    book = Workbook(write_only=True)
    sheet = book.create_sheet("补贴政策清单")
    widths = (14, 26, 14, 18, 40, 8, 36, 24, 8, 12, 24, 12, 12, 12, 16, 18, 24, 36, 8)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value: str, *, header: bool = False) -> Cell:
        cell = WriteOnlyCell(sheet, value=value)
        # Always text: a value starting with "=" must not become a formula.
        cell.data_type = "s"
        if header:
            cell.font = bold
        return cell

    sheet.append([text_cell(h, header=True) for h in PUBLIC_COLUMNS])
    for row in rows:
        sheet.append([text_cell(v) for v in row])
    info = book.create_sheet("版本信息")
    for key, value in info_rows:
        info.append([text_cell(key, header=True), text_cell(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
