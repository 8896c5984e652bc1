"""The knowledge base's spaces and pages in the demo company (`manage.py seed_demo`): see
`knowledgebase.demo.pages`. They run before the governance part (the discussion and the campaign)."""


def register() -> None:
    from portal.core.registry import DemoSeeder, registry

    from ..demo.pages import seed_demo_kb_pages

    registry.demo_seeders.register(DemoSeeder("kb_pages", seed_demo_kb_pages, order=90, stage="content"))
