"""Where the knowledge base shows up in the rest of the portal, one module per feature, each with `register()`
called from `KnowledgebaseConfig.ready()`."""

from . import demo, discussion, familiarisation, governance, navigation, search

MODULES = [navigation, search, demo, discussion, governance, familiarisation]


def register_all() -> None:
    for module in MODULES:
        module.register()
