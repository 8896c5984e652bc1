"""The CRM's part of the demo company (`manage.py seed_demo`): see `crm.demo`."""


def register() -> None:
    from portal.core.registry import DemoSeeder, registry

    from ..demo import seed_demo_crm

    # After tasks and reports (the CRM's activities feed the work reports' pre-fill of the days that follow).
    registry.demo_seeders.register(DemoSeeder("crm", seed_demo_crm, order=60, stage="content", hints=_hints))


def _hints(base_url: str) -> list[str]:
    """How to make a call pop up the caller's card for the demo's sales manager."""
    from ..demo import simulator_command

    command = simulator_command(url=base_url.rstrip("/"), manage=".venv/bin/python manage.py")
    if command is None:
        return []
    return ["Make a call pop up (signed in as sales.manager@demo.lumen, on any page):", f"  {command}"]
