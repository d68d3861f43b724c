"""`tonearm-gui`: the desktop window. For now it shows where the library lives and what it holds."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from models import __version__
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.health import database_info


class MainWindow(QMainWindow):
    """The main window; views are added here as the library, listens and stats screens land."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.setWindowTitle("Tonearm")
        self.resize(960, 640)
        info = database_info(db)
        tracks = next(s.tables.get("tracks") for s in info.schemas if s.logical == "medialibrary") or 0
        listens = next(s.tables.get("listens") for s in info.schemas if s.logical == "listens") or 0

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("<h1>Tonearm</h1>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = QLabel(f"{tracks:,} tracks in the library · {listens:,} listens")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel("Add music from the command line for now: <code>tonearm scan ~/Music</code>")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setTextFormat(Qt.TextFormat.RichText)
        for widget in (title, self.summary, hint):
            layout.addWidget(widget)
        self.setCentralWidget(central)
        location = info.files.get("main") or info.url
        self.statusBar().showMessage(f"Tonearm {__version__} · {info.engine} · {location}")


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    db = open_database()
    init_database(db)
    window = MainWindow(db)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
