"""The strategy's part of the demo company (`manage.py seed_demo`): see `strategy.demo`."""


def register() -> None:
    from portal.core.registry import DemoSeeder, registry

    from ..demo import seed_demo_strategy

    # After tasks (40) and the CRM (60): some demo tasks are linked to goals. The indicators' seeder follows.
    registry.demo_seeders.register(DemoSeeder("strategy", seed_demo_strategy, order=70, stage="content"))
