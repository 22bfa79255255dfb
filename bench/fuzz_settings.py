"""Settings for ``python -m bench fuzz``: the test settings, with the benchmark's own database
(``etime_bench_fuzz``) as the test database.

pytest-django would otherwise create ``test_`` + its name, ``test_etime_bench_fuzz``: a
name of the ``test_etime*`` family the suite's databases use.
"""

from __future__ import annotations

from etime.settings_test import *  # noqa: F403
from etime.settings_test import DATABASES

DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}
