"""The web process's garbage collector settings (portal.core.runtime)."""

from __future__ import annotations

import gc
import importlib

import pytest

from portal.core import runtime


@pytest.fixture
def collector():
    """Put the collector back as it was: the settings are the process's."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settling_freezes_the_loaded_application_and_collects_the_young_less_often(collector):
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    runtime.settle_process()
    assert gc.get_freeze_count() > 10_000  # Django, the apps, the URL conf
    assert gc.get_threshold() == (runtime.YOUNG_THRESHOLD, 10, 10)


def test_the_asgi_application_settles_its_process_once_loaded(monkeypatch):
    import portal.asgi

    settled = []
    monkeypatch.setattr(runtime, "settle_process", lambda: settled.append(True))
    importlib.reload(portal.asgi)  # as a web worker imports it
    assert settled == [True]
