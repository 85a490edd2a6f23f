"""`python3 dev.py start` stops the whole stack when its own process gets SIGTERM (issue 15 item 7): dev.py passes
the signal on to devstack, which stops web, worker, beat, PostgreSQL and Redis as it does on Ctrl-C. Here the child
is a stand-in that records the signal it got, so the test needs no stack."""

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
def stop(signum, frame):
    out.write_text("stopped on %d" % signum)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
out.write_text("running")
while True:
    time.sleep(0.1)
"""


def test_a_sigterm_to_dev_py_reaches_the_stack_and_both_end(tmp_path):
    marker = tmp_path / "child"
    parent = subprocess.Popen([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); import dev; "
                               f"sys.exit(dev.supervise(sys.executable, '-c', {CHILD!r}, {str(marker)!r}))"])
    deadline = time.monotonic() + 20
    while not (marker.exists() and marker.read_text() == "running"):
        assert time.monotonic() < deadline and parent.poll() is None, "the child never started"
        time.sleep(0.05)
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=20) == 0  # the child's own exit status
    assert marker.read_text() == f"stopped on {int(signal.SIGTERM)}"

