"""The workflows app's part of the demo company (`manage.py seed_demo`): see `portal.workflows.demo`."""


def register() -> None:
    from portal.core.registry import DemoSeeder, registry

    from ..demo import demo_hints, seed_demo_workflows

    # After the people, groups, tasks, reports and the CRM: its rules are set on a project and a CRM stage.
    registry.demo_seeders.register(
        DemoSeeder("workflows", seed_demo_workflows, order=70, stage="content", hints=demo_hints)
    )
