"""The root command loads each command's module on use; its help table stays true to the commands."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.cli import LAZY_COMMANDS, load_command, main


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_help_line_is_the_command_help(name: str) -> None:
    command = load_command(name)
    first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
    assert LAZY_COMMANDS[name].help == first_paragraph


def test_version_and_help_import_no_command_module() -> None:
    code = (
        "import sys; from app.cli import main\n"
        "for argv in (['--version'], ['--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('app.commands.', 'analyzer', 'alembic', 'faiss')))\n"
        "print('LOADED', loaded)\n"
        "print('SQLALCHEMY', 'sqlalchemy' in sys.modules, 'RICH HELP', 'rich.markdown' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "tonearm " in done.stdout and "similar" in done.stdout
    assert "LOADED []" in done.stdout
    # SQLAlchemy alone is ~0.3 s of imports (1 s when bytecode is not cached): only commands that open a
    # database load it. Typer's rich help renderer (rich.markdown, markdown-it) is left for command help.
    assert "SQLALCHEMY False RICH HELP False" in done.stdout


def test_root_help_lists_each_command_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    listing = " ".join(capsys.readouterr().out.split())
    for name, entry in LAZY_COMMANDS.items():
        assert f"{name} {entry.help}" in listing


def test_usage_errors_are_messages_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nosuch"]) == 2
    assert "No such command 'nosuch'" in capsys.readouterr().err
    assert main(["import", "--no-such-option", "x"]) == 2
    assert "No such option: --no-such-option" in capsys.readouterr().err
