"""Host side of the orphan attack (not a test module): a sample spins, the host gets SIGKILLed.

Starts a sandbox, grades a sample that spins (bounded: it stops after 60 s even if nothing
kills it) in a background thread, prints the pid of each template's bwrap process, then waits
to be killed by the test. Usage: python orphan_driver.py
"""

from __future__ import annotations

import sys
import threading
import time

from graderkit._run.sandbox.supervisor import Limits, PythonSandbox

SPIN = (
    "import time\ndef grade(sample, item):\n    end = time.monotonic() + 60\n"
    "    while time.monotonic() < end:\n        pass\n    return 1.0\n"
)


def main() -> None:
    box = PythonSandbox(workers=2, limits=Limits(timeout_s=90))
    threads = [threading.Thread(target=box.run, args=(SPIN, {}, {}), daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    while len(box._live) < 2:  # both templates started and forked their children
        time.sleep(0.05)
    time.sleep(0.5)
    print(" ".join(str(t.proc.pid) for t in box._live), flush=True)
    sys.stdin.read()  # until killed


if __name__ == "__main__":
    main()
