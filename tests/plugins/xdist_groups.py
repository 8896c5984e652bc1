"""pytest-xdist scheduling for `--dist loadgroup`: the demo tests go to one process, the rest test by test.

The tests of `test_demo.py` modules seed or read the demo company; those that read the shared one
(`demo_company`, seeded once per process) must all run in the process that seeded it, and the others
are among the longest of the suite, so they start early there rather than end the run on one core.

pytest-xdist's own `loadgroup` reads `xdist_group` marks by suffixing the node id on the workers, which
pytest 9.2 no longer lets a plugin do, so the marks would be ignored; this scheduler groups by node id
instead, which the controller has without collecting anything itself.
"""

from __future__ import annotations

import pytest

DEMO_GROUP = "demo"


def group_of(nodeid: str) -> str | None:
    """The work unit a test belongs to when it must share a process, else None."""
    path = nodeid.split("::", 1)[0]
    if path.rsplit("/", 1)[-1] == "test_demo.py":
        return DEMO_GROUP
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class DemoGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or super()._split_scope(nodeid)

    return DemoGroupScheduling(config, log)
