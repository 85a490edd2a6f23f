"""The dashboards' exports: what a page shows, for the same selection and scope, as CSV (with a BOM, so Excel reads
the Chinese) or as a workbook with one sheet per section."""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook


def sections_response(sections: dict[str, list[list]], filename: str, fmt: str) -> HttpResponse:
    """Titled sections of rows as one CSV (a UTF-8 BOM for Excel) or one workbook with a sheet per section."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
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
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
