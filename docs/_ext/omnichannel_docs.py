"""Sphinx extension that keeps the omnichannel documentation in step with the code.

It adds three directives and two build steps:

``frame-schema``
    Renders the column table of one canonical frame from
    ``omnichannel.frame_schema(kind).to_frame()``. The build warns (an error under ``-W``) when a
    kind in ``omnichannel.FRAME_KINDS`` is documented nowhere.
``run-code``
    Executes its Python content at build time and shows the code followed by what it printed (and
    the value of a final expression, as in a notebook). Blocks on one page share a namespace. A
    block that raises, or that emits a Python warning, fails the build.
``omnichannel-api``
    Writes the API reference: every name in ``omnichannel.__all__`` (except ``__version__``) in an
    autosummary table, grouped by the private module that defines it (see ``API_GROUPS``).

Before reading, the build writes one autodoc stub per public name into ``api/generated/`` and copies
``../notebooks/*.ipynb`` into ``notebooks/``; both folders are generated and git-ignored.
"""

from __future__ import annotations

import ast
import contextlib
import enum
import inspect
import io
import shutil
import sys
import traceback
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

#: API sections in page order: title, one line of introduction, and the private modules (with
#: their submodules) whose public names belong to the section.
API_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Data model",
        "Typed, frozen domain objects: the row-level and configuration form of the data.",
        ("omnichannel._domain",),
    ),
    (
        "Frames and validation",
        "The canonical long-format frames, their schemas, and conversion to and from objects.",
        ("omnichannel._frames", "omnichannel._validation"),
    ),
    (
        "Journeys",
        "Building customer journeys from events and storing them in columnar form.",
        ("omnichannel._journeys",),
    ),
    (
        "Attribution",
        "Multi-touch attribution: crediting conversions to the channels on their journeys.",
        ("omnichannel._attribution",),
    ),
    (
        "Forecasting",
        "Demand hierarchies, vectorised forecasting models, reconciliation, backtests and metrics.",
        ("omnichannel._forecast",),
    ),
    (
        "Inventory",
        "Newsvendor and reorder-policy primitives, inventory pooling, and allocation across nodes.",
        ("omnichannel._inventory",),
    ),
    (
        "Synergy",
        "Channel interactions: mix models, journey-level synergy, halo and multichannel premium.",
        ("omnichannel._synergy",),
    ),
    (
        "Simulation",
        "A simulated retailer with known ground truth, for examples and for testing models.",
        ("omnichannel._simulate",),
    ),
    (
        "Customers and lifetime value",
        "Purchase histories, repeat-purchase and spend models, customer lifetime value.",
        ("omnichannel._customers",),
    ),
    (
        "Exceptions",
        "Every error raised on purpose derives from OmnichannelError.",
        ("omnichannel._exceptions",),
    ),
)
OTHER_GROUP = "Other"
GENERATED = "api/generated"
NOTEBOOKS = "notebooks"
_RUN_NAMESPACE = "omnichannel_run_code_namespace"


# ------------------------------------------------------------------------------------------
# The public names and where they belong


def public_names() -> list[str]:
    """Names of ``omnichannel.__all__`` to document, in ``__all__`` order."""
    import omnichannel

    return [name for name in omnichannel.__all__ if name != "__version__"]


def defining_module(name: str) -> str:
    """Name of the private module that defines the public ``name``.

    Classes and functions know their module. Other objects (constants, type aliases) are looked up
    in the ``__all__`` of the loaded ``omnichannel._*`` modules.
    """
    import omnichannel

    obj = getattr(omnichannel, name)
    module = getattr(obj, "__module__", None)
    if (inspect.isclass(obj) or inspect.isroutine(obj)) and isinstance(module, str):
        return module
    owners = sorted(
        mod_name
        for mod_name, mod in list(sys.modules.items())
        if mod_name.startswith("omnichannel._") and name in getattr(mod, "__all__", ())
    )
    return owners[-1] if owners else "omnichannel"


def group_of(module: str) -> str:
    """Title of the API section that covers ``module``, or ``OTHER_GROUP``."""
    for title, _, prefixes in API_GROUPS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return title
    return OTHER_GROUP


def grouped_names() -> dict[str, list[str]]:
    """Public names by API section title, in page order; empty sections are left out."""
    groups: dict[str, list[str]] = {title: [] for title, _, _ in API_GROUPS}
    groups[OTHER_GROUP] = []
    for name in public_names():
        groups[group_of(defining_module(name))].append(name)
    return {title: names for title, names in groups.items() if names}


def _stub(name: str) -> str:
    import omnichannel

    obj = getattr(omnichannel, name)
    title = f"omnichannel.{name}"
    lines = [title, "=" * len(title), "", ".. currentmodule:: omnichannel", ""]
    if inspect.isclass(obj):
        lines += [f".. autoclass:: {name}", "   :members:"]
        if obj.__bases__ != (object,):
            lines.append("   :show-inheritance:")
        if issubclass(obj, enum.Enum):
            lines.append("   :undoc-members:")
    elif inspect.isroutine(obj):
        lines.append(f".. autofunction:: {name}")
    else:
        lines.append(f".. autodata:: {name}")
    return "\n".join(lines) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    # Rewriting an unchanged file would make every incremental build re-read it.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_api_stubs(app: Sphinx) -> None:
    """Write one autodoc page per public name and remove pages of names no longer public."""
    folder = Path(app.srcdir) / GENERATED
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"omnichannel.{name}.rst": _stub(name) for name in public_names()}
    for path in folder.glob("omnichannel.*.rst"):
        if path.name not in wanted:
            path.unlink()
    for file_name, text in wanted.items():
        _write_if_changed(folder / file_name, text)


def copy_notebooks(app: Sphinx) -> None:
    """Mirror ``omnichannel_notebooks`` (``../notebooks``) into ``notebooks/`` of the docs."""
    source = (Path(app.confdir) / app.config.omnichannel_notebooks).resolve()
    target = Path(app.srcdir) / NOTEBOOKS
    target.mkdir(exist_ok=True)
    wanted = {path.name: path for path in sorted(source.glob("*.ipynb"))}
    for path in target.iterdir():
        if path.name not in wanted:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    for name, path in wanted.items():
        data = path.read_bytes()
        copy = target / name
        if not copy.exists() or copy.read_bytes() != data:
            copy.write_bytes(data)


def prepare_sources(app: Sphinx) -> None:
    """Generate the API stubs and copy the notebooks before Sphinx looks for documents."""
    write_api_stubs(app)
    copy_notebooks(app)


def data_docstring(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Document a re-exported constant with the ``#:`` comment at its definition.

    Autodoc looks for the comment in ``omnichannel/__init__.py``, where the name is only imported,
    and otherwise falls back to the docstring of the value's type ("Built-in immutable
    sequence..."), which says nothing about the constant.
    """
    prefix = "omnichannel."
    if what != "data" or not name.startswith(prefix) or "." in name[len(prefix) :]:
        return
    short = name[len(prefix) :]
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    comment: list[str] = []
    try:
        found = ModuleAnalyzer.for_module(defining_module(short)).find_attr_docs()
        comment = list(found.get(("", short), []))
    except PycodeError:
        comment = []
    type_doc = inspect.cleandoc(type(obj).__doc__ or "").splitlines()
    if comment:
        lines[:] = comment
    elif [line for line in lines if line.strip()] == [t for t in type_doc if t.strip()]:
        lines[:] = []


# ------------------------------------------------------------------------------------------
# omnichannel-api


class OmnichannelApi(SphinxDirective):
    """Autosummary tables of every public name, one section per API group."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        lines: list[str] = [".. currentmodule:: omnichannel", ""]
        intro = {title: text for title, text, _ in API_GROUPS}
        for title, names in grouped_names().items():
            if title == OTHER_GROUP:
                for name in names:
                    logger.warning(
                        "omnichannel.%s is defined in %s, which no API section covers; add the "
                        "module to API_GROUPS in docs/_ext/omnichannel_docs.py.",
                        name,
                        defining_module(name),
                        location=(self.env.docname, self.lineno),
                    )
            lines += [title, "-" * len(title), ""]
            if title in intro:
                lines += [intro[title], ""]
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {name}" for name in names]
            lines.append("")
        _mark_dynamic(self.env)
        content = StringList(lines, source=self.get_source_info()[0])
        holder = nodes.section()
        holder.document = self.state.document
        nested_parse_with_titles(self.state, content, holder)
        return list(holder.children)


# ------------------------------------------------------------------------------------------
# frame-schema


def _cell(value: Any, *, literal: bool = False) -> nodes.entry:
    entry = nodes.entry()
    para = nodes.paragraph()
    if isinstance(value, bool | np.bool_):
        para += nodes.Text("yes" if value else "no")
    elif literal:
        para += nodes.literal(text=str(value))
    else:
        para += nodes.Text(str(value))
    entry += para
    return entry


def _row(cells: Iterable[nodes.entry]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        row += cell
    return row


class FrameSchemaTable(SphinxDirective):
    """Column table of one canonical frame, computed from ``frame_schema(kind).to_frame()``."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        import omnichannel

        kind = self.arguments[0]
        if kind not in omnichannel.FRAME_KINDS:
            raise self.error(
                f"frame-schema: unknown frame kind {kind!r}; expected one of "
                f"{list(omnichannel.FRAME_KINDS)}."
            )
        frame = omnichannel.frame_schema(kind).to_frame()
        columns = [str(c) for c in frame.columns]
        table = nodes.table(classes=["frame-schema"])
        group = nodes.tgroup(cols=len(columns))
        table += group
        for _ in columns:
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        head += _row(_cell(c) for c in columns)
        group += head
        body = nodes.tbody()
        for record in frame.itertuples(index=False):
            body += _row(
                _cell(value, literal=column == "column")
                for column, value in zip(columns, record, strict=True)
            )
        group += body
        documented: dict[str, set[str]] = self.env.omnichannel_frame_kinds  # type: ignore[attr-defined]
        documented.setdefault(self.env.docname, set()).add(kind)
        _mark_dynamic(self.env)
        return [table]


# Pages whose content is computed from the code (these directives) are read again on every build,
# since Sphinx only notices changes to the page source itself. Per page, the environment records
# whether it is such a page and which frame kinds it documents.


def _mark_dynamic(env: BuildEnvironment) -> None:
    env.omnichannel_dynamic_docs.add(env.docname)  # type: ignore[attr-defined]


def _init_env(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not hasattr(env, "omnichannel_frame_kinds"):
        env.omnichannel_frame_kinds = {}  # type: ignore[attr-defined]
    if not hasattr(env, "omnichannel_dynamic_docs"):
        env.omnichannel_dynamic_docs = set()  # type: ignore[attr-defined]


def _outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    dynamic: set[str] = getattr(env, "omnichannel_dynamic_docs", set())
    return sorted(dynamic & (env.found_docs - removed))


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "omnichannel_frame_kinds", {}).pop(docname, None)
    getattr(env, "omnichannel_dynamic_docs", set()).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    _init_env(app, env, [])
    other_kinds: dict[str, set[str]] = getattr(other, "omnichannel_frame_kinds", {})
    other_dynamic: set[str] = getattr(other, "omnichannel_dynamic_docs", set())
    for docname in docnames:
        if docname in other_kinds:
            env.omnichannel_frame_kinds[docname] = set(other_kinds[docname])  # type: ignore[attr-defined]
        if docname in other_dynamic:
            env.omnichannel_dynamic_docs.add(docname)  # type: ignore[attr-defined]


def _check_frame_kinds(app: Sphinx, env: BuildEnvironment) -> None:
    import omnichannel

    documented = set().union(*getattr(env, "omnichannel_frame_kinds", {}).values())
    missing = [kind for kind in omnichannel.FRAME_KINDS if kind not in documented]
    if missing:
        logger.warning(
            "canonical frame(s) %s have no frame-schema table in the documentation; add one "
            "to data-model.md.",
            missing,
        )


# ------------------------------------------------------------------------------------------
# run-code


class RunCode(SphinxDirective):
    """Execute the content at build time; show it and its output."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        import pandas as pd

        _mark_dynamic(self.env)
        code = "\n".join(self.content)
        namespace = self.env.temp_data.setdefault(_RUN_NAMESPACE, {"__name__": "__main__"})
        _, line = self.get_source_info()
        filename = f"<{self.env.docname}:{line}>"
        output = io.StringIO()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                tree = ast.parse(code, filename)
                last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                if last is not None:
                    tree.body.pop()
                with (
                    contextlib.redirect_stdout(output),
                    pd.option_context("display.width", 100, "display.max_columns", None),
                ):
                    exec(compile(tree, filename, "exec"), namespace)
                    if last is not None:
                        value = eval(
                            compile(ast.Expression(last.value), filename, "eval"), namespace
                        )
                        if value is not None:
                            print(repr(value))
            except Exception as err:
                detail = "".join(traceback.format_exception_only(type(err), err)).strip()
                raise self.error(f"run-code block failed: {detail}") from err
        for warning in caught:
            logger.warning(
                "run-code block emitted %s: %s",
                warning.category.__name__,
                warning.message,
                location=(self.env.docname, line),
            )
        result: list[nodes.Node] = [nodes.literal_block(code, code, language="python")]
        text = output.getvalue().rstrip()
        if text:
            block = nodes.literal_block(text, text, language="none", classes=["run-code-output"])
            result.append(block)
        return result


# ------------------------------------------------------------------------------------------


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and build steps."""
    app.add_config_value("omnichannel_notebooks", "../notebooks", "env", types=(str,))
    app.add_directive("omnichannel-api", OmnichannelApi)
    app.add_directive("frame-schema", FrameSchemaTable)
    app.add_directive("run-code", RunCode)
    # Before autosummary (priority 500) and before Sphinx looks for source files.
    app.connect("builder-inited", prepare_sources, priority=400)
    app.connect("autodoc-process-docstring", data_docstring)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-before-read-docs", _init_env)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check_frame_kinds)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
