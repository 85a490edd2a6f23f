class DomainError(Exception):
    """The one error type of business rules (STYLE.md 6). `code` is machine-readable; `field` names the input."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
