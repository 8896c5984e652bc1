"""Where the CRM shows up in the rest of the portal, one module per feature, each with `register()` called from
`CrmConfig.ready()`: navigation; search providers and pickers; counters, the control dashboard, digests and the
report pre-fill (control); task origins and notification kinds (activities); deals (the stream); intake; the
telephony pop-up; the automation rules' trigger and actions; the demo."""

from . import activities, automation, control, deals, demo, intake, metrics, navigation, search, telephony


def register_all() -> None:
    for module in (navigation, search, control, activities, deals, intake, telephony, automation, demo):
        module.register()
    metrics.register()
