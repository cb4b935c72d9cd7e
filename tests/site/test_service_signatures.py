"""Service functions take keyword arguments (issue 12 item 4; docs/ARCHITECTURE.md).

The convention: a public service function (a module-level function of an app's `services`
package whose name does not start with "_") may take ONE leading positional argument, the
subject it acts on (`close_campaign(campaign, *, reason=...)`); every further parameter is
keyword-only. A function with no natural subject takes only keywords
(`start_run(*, source=..., trigger=...)`). The types are mypy's part: `[tool.mypy]` in
pyproject.toml disallows untyped and half-typed definitions in every services package.

The services packages are found from the installed apps, so an app added later (onboarding)
is held to the same rule.
"""

import importlib
import inspect
import pkgutil
from pathlib import Path

from django.apps import apps
from django.conf import settings

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)

# Written in parallel with this rule (issue 13's onboarding); each entry goes once the
# function takes its second argument by keyword. Nothing else may be added here.
NOT_YET_KEYWORD_ONLY: set[str] = set()


def services_modules() -> list:
    """Every module of every project app's `services` package."""
    modules = []
    for config in apps.get_app_configs():
        if not Path(config.path).is_relative_to(settings.BASE_DIR):
            continue  # Django's and third-party apps
        if not (Path(config.path) / "services" / "__init__.py").exists():
            continue
        package = importlib.import_module(f"{config.name}.services")
        modules.append(package)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}."):
            modules.append(importlib.import_module(info.name))
    return modules


def public_functions(module) -> list:
    return [
        function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module.__name__
    ]


def test_the_three_apps_services_packages_are_found():
    names = {module.__name__ for module in services_modules()}

    assert {
        "identity.services.sync_runs",
        "campaigns.services.lifecycle",
        "roster.services.planner",
    } <= names


def test_service_functions_take_at_most_one_positional_argument_the_subject():
    offenders = []
    for module in services_modules():
        for function in public_functions(module):
            parameters = list(inspect.signature(inspect.unwrap(function)).parameters.values())
            if len(parameters) < 2:
                continue
            positional = [p.name for p in parameters[1:] if p.kind in POSITIONAL]
            variadic = [p.name for p in parameters if p.kind is inspect.Parameter.VAR_POSITIONAL]
            name = f"{module.__name__}.{function.__name__}"
            if (positional or variadic) and name not in NOT_YET_KEYWORD_ONLY:
                offenders.append(f"{module.__name__}.{function.__name__}{positional + variadic}")

    assert offenders == []
