"""Loaded by Python on PYTHONPATH in .ci/checks/clock.sh only, never by the site.

libfaketime 0.9.10 (Debian 12) with FAKETIME_DONT_FAKE_MONOTONIC=1 breaks Python 3.11's
time.sleep: it sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), whose deadline
libfaketime shifts to a negative time, and the kernel answers EINVAL (wolfcw/libfaketime#426).
Faking the monotonic clock instead makes lock and event timeouts wait for years. select() takes
a relative timeout, which libfaketime leaves alone.
"""

import select
import time


def _sleep(seconds):
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep
