"""The public API is exactly ``omnichannel.__all__``, documented, and served from private modules."""

from __future__ import annotations

import importlib.metadata
import inspect
import pkgutil
import re
import types

import pytest

import omnichannel

DOCUMENTED = [name for name in omnichannel.__all__ if name != "__version__"]
_EXAMPLES = re.compile(r"^Examples\n-{8,}\n(?P<body>.*)", re.MULTILINE | re.DOTALL)


def _isort_key(name: str) -> tuple[int, list[str | int]]:
    # The order ruff's RUF022 enforces on __all__ (the project lints with it): SCREAMING_CASE
    # constants, then CamelCase classes, then everything else, each group in natural order. Plain
    # sorted() would put FRAME_KINDS among the classes and fight the linter.
    if name.isupper():
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    natural = [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
    return group, natural


def test_all_is_sorted() -> None:
    assert sorted(omnichannel.__all__, key=_isort_key) == omnichannel.__all__


def test_all_has_no_duplicates() -> None:
    assert len(set(omnichannel.__all__)) == len(omnichannel.__all__)


def test_all_is_exactly_the_public_attributes() -> None:
    public = {
        name
        for name, value in vars(omnichannel).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(DOCUMENTED) == public
    assert "__version__" in omnichannel.__all__


@pytest.mark.parametrize("name", omnichannel.__all__)
def test_every_name_in_all_exists(name: str) -> None:
    assert hasattr(omnichannel, name)


@pytest.mark.parametrize("name", DOCUMENTED)
def test_functions_and_classes_have_an_examples_section(name: str) -> None:
    obj = getattr(omnichannel, name)
    if not (inspect.isclass(obj) or inspect.isroutine(obj)):
        pytest.skip(f"{name} is a {type(obj).__name__}, neither a function nor a class")
    # The object's own docstring: a class without one must not borrow its base's.
    doc = inspect.cleandoc(obj.__doc__ or "")
    assert doc, f"omnichannel.{name} has no docstring"
    match = _EXAMPLES.search(doc)
    assert match is not None, f"omnichannel.{name} has no numpydoc 'Examples' section"
    assert ">>>" in match.group("body"), f"omnichannel.{name}: the Examples section has no example"


def test_no_public_submodules() -> None:
    names = [
        info.name for info in pkgutil.walk_packages(omnichannel.__path__, prefix="omnichannel.")
    ]
    assert names, "found no submodules at all"
    public = [n for n in names if any(not part.startswith("_") for part in n.split(".")[1:])]
    assert public == []


def test_version_matches_the_installed_metadata() -> None:
    assert omnichannel.__version__ == importlib.metadata.version("omnichannel")
