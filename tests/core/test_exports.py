"""core/exports.py (STYLE.md 20): exports are data, never code."""

import pytest

from core.exports import csv_cell


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_text_a_spreadsheet_would_run_is_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["a=1", " =1", "钱居间", "", -5, 3.5])
def test_anything_else_is_written_as_it_is(value):
    assert csv_cell(value) == value
