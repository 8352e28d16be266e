"""``python -m tests.frozen_baocao ARGS``: ``baocao ARGS`` with the clock of the test that started it.

A real ``baocao serve`` or ``baocao worker`` (tests/processes.py) is another process, which the
tests' frozen clock (tests/conftest.py) does not reach. This starts it at ``BAOCAO_TEST_NOW`` (the
test's instant when it spawned the process) and lets it tick, so that its sessions, tokens,
deadlines and job times agree with the test's. Forked children (gunicorn workers, RQ's work horses)
inherit the clock. Tests only: the console script ``baocao`` is the same ``core.cli:main``.
"""
import os
import sys

import time_machine

if __name__ == "__main__":
    instant = os.environ.get("BAOCAO_TEST_NOW")
    if instant:
        from datetime import datetime, timedelta
        import time

        start = datetime.fromisoformat(instant)
        spawned = os.environ.get("BAOCAO_TEST_REAL")
        if spawned:  # not yet travelling: time.time() is real; skip the seconds this start-up took
            start += timedelta(seconds=max(0.0, time.time() - float(spawned)))
        time_machine.travel(start, tick=True).start()
    from core.cli import main

    sys.exit(main(prog_name="baocao"))
