"""Sphinx configuration of the omnichannel documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors). Nothing is
fetched from the network; notebooks are rendered as stored, since the test suite executes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import omnichannel

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "omnichannel"
author = "The omnichannel developers"
copyright = "the omnichannel developers"
release = omnichannel.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "omnichannel_docs",
]

exclude_patterns = ["_build", "_ext", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# -- API reference ---------------------------------------------------------------------------
# omnichannel_docs writes one autodoc stub per public name into api/generated/ (git-ignored), so
# autosummary only draws the tables and does not generate pages itself.
autosummary_generate = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc docstrings state the types
add_module_names = False
# Members are documented by autodoc on each class page; numpydoc's own member tables would need
# a stub page per method.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- Markdown and notebooks --------------------------------------------------------------------
nb_execution_mode = "off"  # tests/test_notebooks.py executes the notebooks
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
omnichannel_notebooks = "../notebooks"

# -- HTML -------------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"omnichannel {release}"
html_theme_options = {
    "description": "Omnichannel retail and marketing models on one typed data model.",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_show_sourcelink = False
