"""The workflows app's models, one module per feature (the same names as the other layers)."""

from .absences import Absence, AbsenceType, LeaveAllowance
from .deputies import Deputy
from .holidays import Holiday
from .processes import Process, ProcessAction, ProcessFile, ProcessStep, StepAssignment
from .roles import ProcessRole
from .rules import AutomationRule, RuleRun
from .templates import ProcessTemplate, TemplateVersion

__all__ = [
    "Absence",
    "AbsenceType",
    "AutomationRule",
    "Deputy",
    "Holiday",
    "LeaveAllowance",
    "Process",
    "ProcessAction",
    "ProcessFile",
    "ProcessRole",
    "ProcessStep",
    "ProcessTemplate",
    "RuleRun",
    "StepAssignment",
    "TemplateVersion",
]
