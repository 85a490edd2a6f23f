"""Files people bring (a CSV saved from Excel, or the workbook itself) read as rows, each with the row number the
person sees in their spreadsheet, for imports that name every bad row (issue 16: the holiday notice, the
key-monitoring list)."""

import csv
import datetime
import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import load_workbook

from core.errors import DomainError

# STYLE.md 21: a file brought to an import is refused in its first seconds when it is too big, however it is packed
# (a deflated workbook of a million rows is 147 KB): its size, then its rows and columns as they are read, never
# after building them all. Larger lists are split into files of MAX_ROWS.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CELL = 2_000  # characters in one cell: no field of any import is longer

# The columns of the imports as a person's language names them in messages (资金账号 for account_no).
COLUMN_WORDS = {
    "account_no": pgettext_lazy("import column", "account_no"),
    "reason": pgettext_lazy("import column", "reason"),
    "started_on": pgettext_lazy("import column", "started_on"),
    "last_trigger_on": pgettext_lazy("import column", "last_trigger_on"),
    "note": pgettext_lazy("import column", "note"),
    "holiday": pgettext_lazy("import column", "holiday"),
    "first_day": pgettext_lazy("import column", "first_day"),
    "last_day": pgettext_lazy("import column", "last_day"),
    "name": pgettext_lazy("import column", "name"),
    "phone": pgettext_lazy("import column", "phone"),
    "id_number": pgettext_lazy("import column", "id_number"),
    "source": pgettext_lazy("import column", "source"),
    "branch_code": pgettext_lazy("import column", "branch_code"),
    "owner_code": pgettext_lazy("import column", "owner_code"),
    "interests": pgettext_lazy("import column", "interests"),
    "notes": pgettext_lazy("import column", "notes"),
    "branch": pgettext_lazy("import column", "branch"),
    "owner": pgettext_lazy("import column", "owner"),
    "code": pgettext_lazy("import column", "code"),
    "kind": pgettext_lazy("import column", "kind"),
    "staff_code": pgettext_lazy("import column", "staff_code"),
    "staff": pgettext_lazy("import column", "staff"),
    "client": pgettext_lazy("import column", "client"),
    "agreement_no": pgettext_lazy("import column", "agreement_no"),
    "referrer": pgettext_lazy("import column", "referrer"),
    "referrer_code": pgettext_lazy("import column", "referrer_code"),
}


def column_word(name: str) -> str:
    return str(COLUMN_WORDS.get(name, name))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def date_cell(text: str) -> datetime.date:
    """A date as people type it in a sheet: YYYY-MM-DD or YYYY/MM/DD; ValueError otherwise."""
    return datetime.date.fromisoformat(text.replace("/", "-"))


def _csv_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GBK (gb18030 is its superset)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("The file is neither UTF-8 nor GBK text."), field="file", code="unreadable", status=400)


def read_table(data: bytes, filename: str, *, columns: dict[str, tuple[str, ...]],
               optional: tuple[str, ...] = ()) -> list[tuple[int, dict]]:
    """[(row number, {column: text})] of the file's data rows. `columns` maps each column's name to the headers
    that mean it (English and Chinese); a header not listed is ignored, a column missing from the header is a 400
    naming it unless it is `optional` (every row then leaves it empty). Blank rows are skipped. Row numbers count
    the header as row 1, as a spreadsheet shows them."""
    lines = _lines(data, filename)
    if not lines:
        raise DomainError(_("The file is empty."), field="file", code="empty", status=400)
    header = [cell.strip().lower() for cell in lines[0]]
    position = {}
    for name, headers in columns.items():
        found = [index for index, cell in enumerate(header) if cell in {h.lower() for h in headers}]
        if not found and name in optional:
            continue
        if not found:
            raise DomainError(_("The header has no %(column)s column (one of: %(headers)s).")
                              % {"column": column_word(name), "headers": ", ".join(headers)}, field=name,
                              code="missing_column", status=400)
        position[name] = found[0]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(line):
            continue
        values = dict.fromkeys(columns, "")
        values.update({name: line[index] if index < len(line) else "" for name, index in position.items()})
        rows.append((number, values))
    return rows


def count_rows(data: bytes, filename: str) -> int:
    """How many data rows a file holds (read within the same limits as read_table; a file past them is refused)."""
    return sum(1 for line in _lines(data, filename)[1:] if any(line))


def _lines(data: bytes, filename: str) -> list[list[str]]:
    """The file's lines as lists of text cells, refused as soon as it is too big."""
    if len(data) > MAX_BYTES:
        raise DomainError(_("At most %(megabytes)s MB per file.") % {"megabytes": MAX_BYTES // (1024 * 1024)},
                          field="file", code="too_large", status=400)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            lines = _bounded([_cell(value) for value in row]
                              for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
        except DomainError:
            raise
        except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
            raise DomainError(_("The file is not an Excel workbook (.xlsx)."), field="file", code="unreadable",
                              status=400) from error
    else:
        try:
            lines = _bounded([cell.strip() for cell in row]
                              for row in csv.reader(io.StringIO(_csv_text(data))))
        except csv.Error as error:  # a field longer than csv's limit, a NUL
            raise DomainError(_("The file is not a readable CSV: %(error)s") % {"error": error}, field="file",
                              code="unreadable", status=400) from error
    return lines


def _bounded(lines) -> list[list[str]]:
    """The lines read one by one, refused as soon as there are too many of them, of cells, or of characters."""
    kept = []
    for number, line in enumerate(lines, start=1):
        if number > MAX_ROWS + 1:  # the header and MAX_ROWS rows
            raise DomainError(_("At most %(rows)s rows per file.") % {"rows": MAX_ROWS}, field="file",
                              code="too_many_rows", status=400)
        if len(line) > MAX_COLUMNS and any(line[MAX_COLUMNS:]):
            raise DomainError(_("At most %(columns)s columns per file.") % {"columns": MAX_COLUMNS}, field="file",
                              code="too_many_columns", status=400)
        if any(len(cell) > MAX_CELL for cell in line):
            raise DomainError(_("Row %(row)s: a cell longer than %(characters)s characters.") % {
                "row": number, "characters": MAX_CELL}, field="file", code="cell_too_long", status=400)
        if any("\x00" in cell for cell in line):
            raise DomainError(_("Row %(row)s: a cell holds a NUL character.") % {"row": number}, field="file",
                              code="unreadable", status=400)
        kept.append(line[:MAX_COLUMNS])
    return kept
