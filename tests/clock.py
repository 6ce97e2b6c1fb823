"""Pinning the moment the site takes as now, for tests whose answer depends on the date.

What a page says about times in another zone moves with daylight saving: Thursday 5 pm in Los
Angeles is Friday 1 am in London in winter and in summer, but midnight in the weeks only the US
has changed its clocks; Tuesday 7 pm in London is 4 am in Tokyo in winter, 3 am in summer. A test
that states one of them sees the site at a moment when it holds. The live server runs in the
test's process, so browser tests are pinned the same way.
"""

import datetime as dt
import unittest.mock

# Both the UK and the US on winter time (and New Zealand on summer time).
WINTER = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def at(moment):
    """The site sees `moment` as now (django.utils.timezone.now, which localdate reads too)."""
    return unittest.mock.patch("django.utils.timezone.now", return_value=moment)
