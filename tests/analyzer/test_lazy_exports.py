"""analyzer.catalog and analyzer.scan export every listed name, each imported only when first asked for."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["analyzer.catalog", "analyzer.scan"])
def test_every_listed_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        module.nosuch  # noqa: B018


def test_reading_the_library_folders_loads_no_scanner_and_no_tag_reader() -> None:
    code = (
        "import sys\n"
        "from analyzer.scan import list_folders\n"
        "from analyzer.catalog import load_library, parse_query\n"
        "print(sorted(m for m in ('mutagen', 'analyzer.scan.runner', 'analyzer.tags') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
