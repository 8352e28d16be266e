"""The example plugin's job: idempotent by construction, it only reports."""


def nightly() -> str:
    return "example nightly ran"
