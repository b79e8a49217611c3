"""Service chassis: health, problem+json errors, config, JSON logs, request ids and metrics
shared by every service. Framework adapters live in ``chassis.fastapi`` and ``chassis.flask``.
"""

from chassis.config import (
    ConfigError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_str,
    env_url,
    log_level,
)
from chassis.health import Check, Outcome, Status
from chassis.problems import DependencyUnavailable, Problem, validation_problem
from chassis.requestid import current_request_id

__all__ = [
    "Check",
    "ConfigError",
    "DependencyUnavailable",
    "Outcome",
    "Problem",
    "Status",
    "current_request_id",
    "env_bool",
    "env_choice",
    "env_float",
    "env_int",
    "env_str",
    "env_url",
    "log_level",
    "validation_problem",
]
