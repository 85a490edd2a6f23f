"""S9: no phone or ID number in a log. A filter for every handler of the project's logging (Django's request and
runserver's access logs included) and a gunicorn logger class for its access log mask digit runs that look like a
mainland mobile or landline number or a resident ID number, whether written plainly or URL-encoded in a query."""

import logging
import re

from gunicorn import glogging

# A run of digits that is not part of a longer one: mobile 1 + 10 digits, a landline with its area code, an ID
# number of 15 digits or 17 digits and a check character.
PERSONAL_NUMBER = re.compile(r"(?<![0-9])(?:1[0-9]{10}|[0-9]{17}[0-9Xx]|[0-9]{15}|0[0-9]{2,3}(?:-|%2[Dd])?[0-9]{7,8})"
                             r"(?![0-9Xx])")
MASK = "[号码已隐藏]"


def mask_personal_numbers(text: str) -> str:
    return PERSONAL_NUMBER.sub(MASK, text)


class MaskPersonalNumbersFilter(logging.Filter):
    """Rewrites a record's message (its arguments formatted in) with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskingGunicornLogger(glogging.Logger):
    """gunicorn's access log with personal numbers masked in every atom (the request line, the query, the
    referrer): gunicorn writes it itself, outside Django's logging (futcrm/gunicorn.py)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_personal_numbers(value) if isinstance(value, str) else value
                for key, value in atoms.items()}
