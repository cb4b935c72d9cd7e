"""The refusal every upload step raises; the view turns it into the JSON envelope (UPL-1)."""


class UploadRejected(Exception):
    """An upload refused with `status` and a message for the uploader (UPL-5, UPL-6, UPL-13)."""

    def __init__(self, status: int, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
