"""How a web process holds its memory: the garbage collector tuned for request-shaped work.

A request allocates tens of thousands of short-lived container objects (model instances, template contexts,
query clones); with CPython's default threshold the young generation is collected every 700 of them, and
every tenth of those collections also walks the middle generation, in which the process's long-lived objects
(Django, the apps, the URL conf, the compiled templates) sit until they reach the old one. Measured on the
list pages of the benchmark, collection took 8-10 % of a request's time. After the application is loaded
and warmed, `settle_process` moves everything that exists into the permanent generation (`gc.freeze`: never
scanned, never freed) and collects the young generation less often; what a request leaves behind is still
collected, in larger and fewer passes (4-5 % of the time in the same measurement).
"""

from __future__ import annotations

import gc

# Container allocations (net of frees) between two collections of the young generation; CPython's default is
# 700. Larger means fewer, longer passes over what is mostly garbage by then.
YOUNG_THRESHOLD = 50_000


def warm_up() -> None:
    """Load what the first request would load lazily, so that it is frozen with the rest: the URL conf."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every app's urls and views


def settle_process() -> None:
    """Warm the application, then move every object alive into the permanent generation and raise the young
    generation's threshold (the older generations keep their defaults)."""
    warm_up()
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
