"""Job functions for the job tests: each leaves a trace a test can read."""
from pathlib import Path


def append(path: str, text: str) -> str:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return text


def flaky(path: str, failures: int) -> int:
    """Fails ``failures`` times, then succeeds; the file counts the attempts."""
    file = Path(path)
    attempts = int(file.read_text()) + 1 if file.exists() else 1
    file.write_text(str(attempts))
    if attempts <= failures:
        raise RuntimeError(f"attempt {attempts} fails on purpose")
    return attempts
