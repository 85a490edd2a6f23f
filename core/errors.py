"""The one error type of futcrm (STYLE.md 6) and the one shape the API answers it in."""

import unicodedata


class DomainError(Exception):
    """A refusal by a business rule or of an input. `code` is machine-readable, `field` names the input, `status`
    is the HTTP status the API answers with, and `body` the JSON it answers: the settlement contract's
    `{"errors": [...]}` (with `row` and `account_no`) when the caller built one, else `{"errors": [{field, code,
    message}]}` when a field is named, else `{"detail": message}` (core/api.py turns it into the response)."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None, status: int = 422,
                 body: dict | None = None, record=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status
        self._body = body
        # What must be written down although the refused work is rolled back (an attempt for head office to read):
        # whoever catches the refusal calls `recorded()` once its transaction has been rolled back.
        self._record = record

    def recorded(self) -> None:
        """Write what the refusal keeps (once), after the refused work's transaction was rolled back."""
        record, self._record = self._record, None
        if record is not None:
            record()

    @property
    def body(self) -> dict:
        if self._body is not None:
            return self._body
        if self.field is not None:
            return {"errors": [{"row": None, "account_no": None, "field": self.field, "code": self.code,
                                "message": self.message}]}
        return {"detail": self.message}


def row_error(row: int | None, account_no: str | None, field: str, code: str, message: str) -> dict:
    """One entry of the settlement contract's error list: `{"row", "account_no", "field", "code", "message"}`
    (settlement-api.md). Every row-error of every push is built here."""
    return {"row": row, "account_no": account_no, "field": field, "code": code, "message": message}


def request_error(status: int, field: str, code: str, message: str) -> DomainError:
    """A refusal of the request as a whole, in the contract's error-list shape (no row, no account)."""
    return DomainError(message, code=code, field=field, status=status,
                       body={"errors": [row_error(None, None, field, code, message)]})


def text_is_storable(value: str) -> bool:
    """Whether PostgreSQL can store `value` as text: no NUL, and no lone surrogate (JSON's "\\ud800" escapes decode to
    one, and UTF-8 cannot hold it). Inputs that fail this are a 422 naming the field, never a 500."""
    if "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def text_is_plain(value: str) -> bool:
    """Storable text (text_is_storable) with no control characters but line breaks and tabs: what a person types
    into a public form (issue 35 finding 6: a question with a bell or an escape sequence is refused)."""
    return text_is_storable(value) and all(character in "\n\r\t" or unicodedata.category(character) != "Cc"
                                           for character in value)


def required_text(value: str, field: str, message: str) -> str:
    """A required text input, stripped; empty is a DomainError naming the field."""
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value
