"""Packaging that pyproject.toml cannot say: find glamkg's packages AND ship the top-level folders users read.

``schemas/``, ``queries/`` and ``dashboards/`` stay at the top of the checkout, where users look; the wheel
carries them inside the package as ``kg.schemas``, ``kg.queries`` and ``kg.dashboards``, read through
:func:`kg.config.resource_dir` (importlib.resources). pyproject's ``[tool.setuptools]`` table cannot combine
automatic package discovery with folders mapped from outside ``kg/``; everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

FOLDERS = {"kg.schemas": "schemas", "kg.queries": "queries", "kg.dashboards": "dashboards"}

setup(
    packages=[*find_packages(include=["kg", "kg.*"]), *FOLDERS, "kg.schemas.templates"],
    package_dir=FOLDERS,
    package_data={
        "kg.schemas": ["*.yaml", "*.ttl", "*.csv"],
        "kg.schemas.templates": ["*.csv"],
        "kg.queries": ["*.rq"],
        "kg.dashboards": ["*.py", "*.png"],
        "kg.dashboard": ["world-atlas/*"],
        "kg.i18n": ["gettext-catalogues/*.pot", "gettext-catalogues/*/LC_MESSAGES/*.po",
                    "gettext-catalogues/*/LC_MESSAGES/*.mo"],
    },
)
