"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, "the README has no Python example"
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert "result" in namespace


def test_readme_shows_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "python -m omnichannel demo" in text
    assert 'pip install -e ".[test]" && python -m pytest' in text
