"""The dashboards' exports: what a page shows, for the same selection and scope, as CSV (with a BOM, so Excel reads
the Chinese) or as a workbook with one sheet per section. Exports are data, never code (STYLE.md 20): a text cell
that a spreadsheet would read as a formula (beginning with =, +, -, @, a tab or a carriage return) is written as
text: with a leading apostrophe in CSV (what Excel and LibreOffice show as the text itself), as a string cell in a
workbook. Names reach us from the settlement push, imports, the desk and public forms."""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

from core.models import ExportLog

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell: numbers as they are, a text that a spreadsheet would run as a formula quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose rows go through csv_cell (every CSV the CRM writes uses it)."""

    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def export_logged(request, what: str, rows: int, fmt: str) -> None:
    """PIPL (issue 35): the export written down (ExportLog) with its filter (the query string but the format)."""
    filters = "&".join(f"{name}={value}" for name, values in request.GET.lists() for value in values
                       if name != "format")
    ExportLog.objects.create(user=request.user, what=what[:100], filters=filters[:500], rows=rows, format=fmt)


def sections_response(sections: dict[str, list[list]], filename: str, fmt: str, *, request) -> HttpResponse:
    """Titled sections of rows as one CSV (a UTF-8 BOM for Excel) or one workbook with a sheet per section; the
    export is logged for `request`'s user."""
    export_logged(request, filename, sum(len(rows) for rows in sections.values()), fmt)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = SafeCsvWriter(buffer)
        for title, rows in sections.items():
            writer.writerow([title])
            writer.writerows(rows)
            writer.writerow([])
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, rows in sections.items():
            sheet = workbook.create_sheet(title[:31])
            for row in rows:
                sheet.append([float(value) if hasattr(value, "quantize") else value for value in row])
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # openpyxl takes a text beginning with = for a formula
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "no-store"  # personal and business data: never kept by a browser or a proxy
    return response
