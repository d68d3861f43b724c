"""The core (models, analyzer, scrobbler) imports with PySide6 unavailable: it must run headless."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_core_packages_import_without_qt() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6."):
                    raise ImportError(f"blocked for this test: {name}")
                return None

        sys.meta_path.insert(0, BlockQt())
        imported = []
        for package_name in ("models", "analyzer", "scrobbler"):
            package = importlib.import_module(package_name)
            imported.append(package_name)
            for info in pkgutil.walk_packages(package.__path__, package_name + "."):
                if ".migrations.versions" in info.name or info.name.endswith("migrations.env"):
                    continue  # Alembic scripts run only inside Alembic
                importlib.import_module(info.name)
                imported.append(info.name)
        assert not any(m.startswith("PySide6") for m in sys.modules), "Qt got imported"
        print(len(imported))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 15  # really walked the packages


def test_the_block_really_blocks() -> None:
    """The same guard makes the Qt GUI module fail, so the test above could fail."""
    script = (
        "import sys\n"
        "class B:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('PySide6'): raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, B())\n"
        "import app.gui.window\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "blocked" in result.stderr
