"""Does a permission matrix cover every route of its app?

`app_routes(...)` lists the routes of the real resolver that come from the given URLconf modules (an app's
page `urls`, its `api.urls`, any extra module), with their names and, where the view says so, their HTTP
methods (DRF view sets: their action map; class-based views: the handlers they define; function views: not
their `require_http_methods` list, else any row covers them). `assert_covers_every_route` collects the rows of an app's matrix tests
without calling them (`tests.utils.collecting`), resolves each row's URL and fails naming every route (and
method) no row reaches, every write row without a `changed` probe, and every allow-list entry that names no
route any more.

A matrix test is a module-level test function that calls `assert_matrix` (once: collecting stops there); its
fixtures come from the coverage test's `request` (a coverage test reading another module's matrices imports
that module's fixtures), and its `parametrize` marks are expanded.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.views.generic.edit import ProcessFormView

from tests.utils import Endpoint, MatrixCollected, collecting

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# PUT and PATCH reach the same update; a row with either covers both.
SAME_ACTION = {"PATCH": "PUT"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" as reverse() takes it, "" when unnamed
    route: str  # the joined pattern, as ResolverMatch.route gives it
    methods: frozenset[str] | None  # None: the view does not say
    urlconfs: tuple[str, ...]  # the URLconf modules it is included through, outermost first

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} {self.route!r}"


def _join(first: str, second: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route, so both sides compare equal.
    return second if not first else first + second.removeprefix("^")


def _methods(callback) -> frozenset[str] | None:
    actions = getattr(callback, "actions", None)  # DRF view set bound to an action map
    if actions:
        return frozenset(m.upper() for m in actions) - IGNORED_METHODS
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is None:
        return _declared_methods(callback)
    methods = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)} - IGNORED_METHODS
    if getattr(view_class, "put", None) is ProcessFormView.put:
        methods.discard("PUT")  # Django's form views answer PUT as POST
    return frozenset(methods)


def _declared_methods(function) -> frozenset[str] | None:
    """The methods a function view's `require_http_methods` (`require_POST`, `require_GET`, ...) lets in:
    the list sits in the decorator's closure. None when no such decorator wraps the view."""
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = function.__closure__[code.co_freevars.index("request_method_list")]
            methods = {m.upper() for m in cell.cell_contents} - IGNORED_METHODS
            return frozenset("GET" if m == "HEAD" else m for m in methods)
        function = getattr(function, "__wrapped__", None)
    return None


def _walk(patterns, prefix: str, namespace: str, urlconfs: tuple[str, ...]) -> Iterable[Route]:
    for pattern in patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_name, "__name__", None)  # None: a list of patterns
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern.url_patterns, route, inner, urlconfs + ((module,) if module else ()))
        elif isinstance(pattern, URLPattern):
            if "(?P<format>" in route:
                continue  # a DRF format-suffix twin of a route listed anyway
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield Route(name, route, _methods(pattern.callback), urlconfs)


def app_routes(*urlconfs: str) -> list[Route]:
    """Every route of the project's resolver included through one of these URLconf modules (the root
    URLconf stands for its own patterns only, not for everything it includes)."""
    root = settings.ROOT_URLCONF

    def wanted(route: Route) -> bool:
        return route.urlconfs[-1] in urlconfs or any(m in urlconfs for m in route.urlconfs if m != root)

    return [r for r in _walk(get_resolver().url_patterns, "", "", (root,)) if wanted(r)]


def _matrix_functions(modules: Iterable[ModuleType]):
    """The module-level test functions of `modules` that call `assert_matrix`."""
    for module in modules:
        for name, fn in list(vars(module).items()):
            if not (name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == module.__name__):
                continue
            if "assert_matrix" in fn.__code__.co_names:
                yield fn


def _parametrizations(fn) -> list[dict]:
    """Every combination of the function's `parametrize` marks (one empty one without marks)."""
    axes = []
    for mark in getattr(fn, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        values = [getattr(v, "values", v) for v in values]  # pytest.param(...)
        axes.append([dict(zip(names, v if len(names) > 1 else (v,), strict=True)) for v in values])
    return [dict(kv for part in combo for kv in part.items()) for combo in itertools.product(*axes)]


def matrix_rows(request, modules: Iterable[ModuleType]) -> list[tuple[Endpoint, str]]:
    """The rows of every matrix test of these modules, each with the URL it calls (for one role)."""
    rows: list[tuple[Endpoint, str]] = []
    for fn in _matrix_functions(modules):
        for params in _parametrizations(fn):
            kwargs = {
                name: params[name] if name in params else request.getfixturevalue(name)
                for name in inspect.signature(fn).parameters
            }
            with collecting() as collected:
                try:
                    fn(**kwargs)
                except MatrixCollected:
                    pass
                else:
                    raise AssertionError(f"{fn.__name__} never called assert_matrix")
            rows.extend(collected)
    return rows


def assert_covers_every_route(
    request,
    *,
    urlconfs: Iterable[str],
    modules: Iterable[ModuleType],
    public: dict[str, str],
) -> None:
    """Fail naming each route of `urlconfs` that no matrix row of `modules` reaches.

    `public` maps a route name, or its pattern (a pattern ending in "*" stands for every route starting so),
    to the reason it has no matrix row (login, password reset, schema...). Write rows must carry a `changed`
    probe.
    """
    routes = app_routes(*urlconfs)
    assert routes, f"no routes come from {list(urlconfs)}: wrong module names?"
    rows = matrix_rows(request, modules)
    covered: set[tuple[str, str]] = set()
    problems: list[str] = []
    for ep, url in rows:
        match = resolve(urlsplit(url).path)
        method = ep.method.upper()
        covered.add((match.route, SAME_ACTION.get(method, method)))
        if ep.is_write and ep.changed is None:
            problems.append(f"write row without a `changed` probe: {ep.name!r} ({method} {match.route!r})")

    def listed(route: Route, key: str) -> bool:
        if key.endswith("*"):
            return route.route.startswith(key[:-1])
        return key in (route.name, route.route)

    problems += [
        f"allow-list entry names no route: {key!r}"
        for key in public
        if not any(listed(route, key) for route in routes)
    ]
    for route in routes:
        if any(listed(route, key) for key in public):
            continue
        reached = {m for r, m in covered if r == route.route}
        if route.methods is None:
            if not reached:
                problems.append(f"no matrix row for {route}")
            continue
        for method in sorted({SAME_ACTION.get(m, m) for m in route.methods} - reached):
            problems.append(f"no matrix row for {method} {route}")
    assert not problems, "Permission matrix coverage:\n" + "\n".join(problems)
