"""The documentation builds without a single warning and documents the whole public API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import omnichannel

ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = ROOT / "docs"
REASON = "the docs extra is not installed (pip install '.[docs]')"

# Sphinx announces API changes that its extensions (myst-parser) have yet to follow; not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*Check CHANGES for Sphinx API modifications:PendingDeprecationWarning"
)


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx", reason=REASON)
    pytest.importorskip("numpydoc", reason=REASON)
    pytest.importorskip("myst_nb", reason=REASON)
    from sphinx.cmd.build import build_main

    out_dir = tmp_path_factory.mktemp("docs") / "html"
    status = build_main(["-W", "-b", "html", "-q", str(DOCS_DIR), str(out_dir)])
    assert status == 0, "the documentation build failed; Sphinx's messages are in the stderr above"
    return out_dir


def test_docs_build(html_dir: Path) -> None:
    assert (html_dir / "index.html").is_file()


def test_api_page_lists_every_public_name(html_dir: Path) -> None:
    page = (html_dir / "api" / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="generated/omnichannel\.(\w+)\.html[#"]', page))
    expected = {name for name in omnichannel.__all__ if name != "__version__"}
    assert expected - linked == set(), "public names missing from the API page"
    assert linked - expected == set(), "the API page lists names that are not public"


def test_every_public_name_has_a_page(html_dir: Path) -> None:
    for name in omnichannel.__all__:
        if name != "__version__":
            assert (html_dir / "api" / "generated" / f"omnichannel.{name}.html").is_file()


def test_every_notebook_is_rendered(html_dir: Path) -> None:
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (html_dir / "notebooks" / f"{notebook.stem}.html").is_file(), notebook.name


def test_every_frame_has_a_column_table(html_dir: Path) -> None:
    page = (html_dir / "data-model.html").read_text(encoding="utf-8")
    tables = re.findall(r'<table class="[^"]*\bframe-schema\b', page)
    assert len(tables) == len(omnichannel.FRAME_KINDS)
