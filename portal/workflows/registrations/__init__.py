"""Where the workflows app shows up in the rest of the portal, one module per feature, each with `register()`
called from `WorkflowsConfig.ready()`: navigation; search; counters, the control dashboard and digests
(control); notification kinds and the process-finished trigger (processes); the absence provider, profile and
directory labels (absences); the calendar source (holidays); automation triggers and actions (rules); the demo."""

from . import absences, control, demo, holidays, metrics, navigation, processes, rules, search


def register_all() -> None:
    for module in (navigation, search, control, processes, absences, holidays, rules, demo):
        module.register()
    metrics.register()
