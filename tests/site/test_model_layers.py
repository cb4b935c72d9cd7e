"""Models hold data, constraints and small derived properties (docs/ARCHITECTURE.md, issue 12).

They import only other models and `patt.validators`, never a service, admin, view or client,
so no import circle can run through them (the old one: identity.models -> services.links ->
ranks -> accounts -> identity.models).
"""

import grimp
import pytest

APPS = ("patt", "identity", "campaigns", "roster")
MODELS = ("patt.models", "identity.models", "campaigns.models", "roster.models")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, include_external_packages=False)


def allowed(module: str) -> bool:
    return module == "patt.validators" or any(
        module == models or module.startswith(f"{models}.") for models in MODELS
    )


@pytest.mark.parametrize("models", MODELS)
def test_models_import_only_models_and_validators_so_no_circle_runs_through_them(graph, models):
    upstream = graph.find_upstream_modules(models, as_package=True)
    assert sorted(m for m in upstream if not allowed(m)) == []
