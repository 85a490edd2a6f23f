"""core/tabular.py (issue 35 findings 5, 6): a file brought to an import is refused in its first seconds when it is
too big however it is packed, and a cell no import could hold is a 400, never a 500."""

import io
import time

import pytest
from openpyxl import Workbook

from core import tabular
from core.errors import DomainError

COLUMNS = {"name": ("name", "姓名"), "phone": ("phone",)}


def read(data: bytes, filename="list.csv"):
    return tabular.read_table(data, filename, columns=COLUMNS)


def workbook(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_exactly_the_row_limit_is_read_and_one_more_is_refused():
    rows = "".join(f"客户{n},1390000{n:04d}\n" for n in range(tabular.MAX_ROWS))
    assert len(read(("name,phone\n" + rows).encode())) == tabular.MAX_ROWS
    with pytest.raises(DomainError) as refused:
        read(("name,phone\n" + rows + "多一行,13900009999\n").encode())
    assert (refused.value.code, refused.value.status) == ("too_many_rows", 400)


def test_a_deflated_workbook_of_a_million_rows_is_refused_in_its_first_seconds():
    """Before: a 147 KB workbook of 1,000,000 rows held a web worker 58–128 s, every row built first."""
    data = workbook([["name", "phone"], *(["a", "1"] for _ in range(200_000))])
    started = time.monotonic()
    with pytest.raises(DomainError) as refused:
        read(data, "list.xlsx")
    assert refused.value.code == "too_many_rows" and time.monotonic() - started < 10


def test_a_workbook_of_thousands_of_columns_is_refused():
    with pytest.raises(DomainError) as refused:
        read(workbook([["name", "phone", *(f"c{n}" for n in range(5_000))]]), "list.xlsx")
    assert refused.value.code == "too_many_columns"


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    with pytest.raises(DomainError) as refused:
        read(b"name,phone\n" + b"x" * tabular.MAX_BYTES)
    assert refused.value.code == "too_large"


@pytest.mark.parametrize("cell", ["x" * 131_073, "x" * (tabular.MAX_CELL + 1), "a\x00b"])
def test_a_cell_no_import_could_hold_is_a_400(cell):
    """Before: a CSV field over 131,072 characters answered 500 (csv's field limit)."""
    with pytest.raises(DomainError) as refused:
        read(f"name,phone\n{cell},13900000000\n".encode())
    assert refused.value.status == 400


def test_a_cell_of_exactly_the_limit_is_read():
    assert read(f"name,phone\n{'x' * tabular.MAX_CELL},13900000000\n".encode())[0][1]["name"] == "x" * tabular.MAX_CELL
