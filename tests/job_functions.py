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


def write_slowly(path: str, chunks: int, delay: float) -> int:
    """Write ``chunks`` lines to a temporary name, slowly, then rename: ``path`` appears only complete.

    Each attempt leaves its process id in ``path + ".attempts"`` (a test kills that process mid-write).
    """
    import os
    import time

    with open(path + ".attempts", "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()}\n")
    tmp = f"{path}.part-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as out:
        for i in range(chunks):
            out.write(f"chunk {i}\n")
            out.flush()
            time.sleep(delay)
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return chunks
