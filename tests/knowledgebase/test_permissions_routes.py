"""Do the knowledge base's permission matrices (every `tests/knowledgebase/test_permissions_*.py`) call every route of the
app, and does every write row probe its side effect? See tests/matrix.py."""

from __future__ import annotations

import importlib
import pkgutil

import tests.knowledgebase
from tests.matrix import assert_covers_every_route

MATRIX_MODULES = sorted(
    name
    for _, name, _ in pkgutil.iter_modules(tests.knowledgebase.__path__)
    if name.startswith("test_permissions_") and name != "test_permissions_routes"
)


def _modules():
    return [importlib.import_module(f"tests.knowledgebase.{name}") for name in MATRIX_MODULES]


def _fixtures():
    """The fixtures the matrices' functions take, defined in their own modules: made visible here."""
    found = {}
    for module in _modules():
        for name, value in vars(module).items():
            if (
                hasattr(value, "_pytestfixturefunction")
                or type(value).__name__ == "FixtureFunctionDefinition"
            ):
                found[name] = value
    return found


globals().update(_fixtures())


def test_matrix_covers_every_route(request, db):
    assert MATRIX_MODULES, "no knowledge base permission matrices found"
    assert_covers_every_route(
        request,
        urlconfs=["knowledgebase.urls", "knowledgebase.api.urls"],
        modules=_modules(),
        public={},
    )
