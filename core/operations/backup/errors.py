"""The one error of :mod:`core.operations.backup`: its message is the one line ``baocao backup`` prints."""


class BackupError(Exception):
    """A backup, check or restore was refused or failed."""
