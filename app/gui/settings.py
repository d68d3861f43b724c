"""The Settings screen: which database holds the library, the AcoustID key, and light or dark.

Database precedence, as at start-up (``app.gui.state.configured_database_url``): ``TONEARM_DATABASE_URL``
in the environment wins, then the database chosen here (kept in QSettings), then the default SQLite file in
the data directory. "Test connection" opens and connects in a background call and reports the server
version or the one-line error the CLI would print; "Use this database" reopens the library on it.
The AcoustID key is written where the core reads it (``[acoustid] api_key`` in config.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.gui.appearance import APPEARANCE_KEY, apply_appearance, chosen_scheme
from app.gui.jobs import Job
from app.gui.outcomes import error_text, outcome_style
from app.gui.state import AppState
from models.engine import DATABASE_URL_ENV, default_database_url
from models.schemas import LISTENS_ENV, MEDIALIBRARY_ENV, SchemaConfig

SCHEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


def sqlite_url(path: str) -> str | None:
    """The URL of the SQLite file at ``path``; None for the default file (so the default can move)."""
    absolute = Path(path).expanduser().absolute()
    default = default_database_url().database or ""
    if str(absolute) == str(Path(default).absolute()):
        return None
    return f"sqlite:///{absolute}"


def schema_config(medialibrary: str, listens: str) -> SchemaConfig:
    """The schema split from the two fields (empty: the default schema); ValueError names a bad name."""
    return SchemaConfig.from_env({MEDIALIBRARY_ENV: medialibrary, LISTENS_ENV: listens})


def check_connection(url: str | None, schemas: SchemaConfig) -> str:
    """Open ``url``, connect, and say what is there; raises what opening or connecting raises.

    Nothing is created: a SQLite file that does not exist yet is reported, not made."""
    from models.bootstrap import current_revision
    from models.engine import open_database

    db = open_database(url, schemas, create_dirs=False)
    try:
        if db.is_sqlite:
            path = Path(db.url.database or "")
            if not path.exists():
                parent = next((p for p in path.parents if p.exists()), None)
                if parent is None or not os.access(parent, os.W_OK):
                    raise PermissionError(f"cannot create {path}: {parent or path.parent} is not writable")
                return f"OK: no library in {path} yet; Tonearm creates one there when you use it."
        with db.engine.connect() as connection:
            version = ".".join(str(p) for p in (connection.dialect.server_version_info or ()))
        revision = current_revision(db)
    finally:
        db.dispose()
    engine = "SQLite" if db.is_sqlite else "MariaDB"
    held = (
        "a Tonearm library" if revision else "no Tonearm library yet (its tables are created when you use it)"
    )
    return f"OK: {engine} {version}, {held}."


def _unmask(typed: str, shown: str, real: str) -> str:
    """The URL to use for ``typed``: the real password where the field still shows it as ``***``."""
    if typed == shown:
        return real
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url, real_url = make_url(typed), make_url(real)
    except ArgumentError:
        return typed  # opening it says what is wrong
    if url.password == "***" and real_url.password is not None:
        return url.set(password=real_url.password).render_as_string(hide_password=False)
    return typed


class SettingsScreen(QWidget):
    """Database, AcoustID key and appearance, applied from this screen (no modal dialog)."""

    title = "Settings"
    object_name = "settings"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.test_job: Job | None = None
        self._masked_url: tuple[str, str] | None = None  # (shown with ***, real) for the open server

        heading = QLabel("Settings")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)

        column = QWidget()
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 8, 0)
        inner.setSpacing(14)
        inner.addWidget(heading)
        inner.addWidget(self._database_group())
        inner.addWidget(self._acoustid_group())
        inner.addWidget(self._appearance_group())
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 16, 20)
        layout.addWidget(scroll)

        state.database_changed.connect(self._show_database)
        self._show_database()
        self._show_acoustid()

    # -- database --------------------------------------------------------------------------------------
    def _database_group(self) -> QGroupBox:
        group = QGroupBox("Database")
        self.sqlite_choice = QRadioButton("SQLite file (default)")
        self.mariadb_choice = QRadioButton("MariaDB server")
        choices = QButtonGroup(group)
        choices.addButton(self.sqlite_choice)
        choices.addButton(self.mariadb_choice)
        self.sqlite_path = QLineEdit()
        self.sqlite_path.setObjectName("sqlitePath")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.clicked.connect(self.choose_sqlite_file)
        self.server_url = QLineEdit()
        self.server_url.setObjectName("serverUrl")
        self.server_url.setPlaceholderText("mariadb+pymysql://user:password@host/tonearm")
        self.medialibrary_schema = QLineEdit()
        self.medialibrary_schema.setPlaceholderText("the URL's database")
        self.listens_schema = QLineEdit()
        self.listens_schema.setPlaceholderText("the URL's database")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.use_button = QPushButton("Use this database")
        self.use_button.clicked.connect(self.use_database)
        self.database_result = QLabel()
        self.database_result.setObjectName("databaseResult")
        self.database_result.setWordWrap(True)
        self.database_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.database_result.hide()
        self.database_note = QLabel()
        self.database_note.setWordWrap(True)

        sqlite_row = QHBoxLayout()
        sqlite_row.setContentsMargins(24, 0, 0, 0)  # under its radio button
        sqlite_row.addWidget(self.sqlite_path, 1)
        sqlite_row.addWidget(self.choose_button)
        server = QFormLayout()
        server.setContentsMargins(24, 0, 0, 0)
        server.addRow("Server URL", self.server_url)
        server.addRow(f"Library schema ({MEDIALIBRARY_ENV})", self.medialibrary_schema)
        server.addRow(f"Listens schema ({LISTENS_ENV})", self.listens_schema)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.use_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(group)
        layout.addWidget(self.sqlite_choice)
        layout.addLayout(sqlite_row)
        layout.addSpacing(6)
        layout.addWidget(self.mariadb_choice)
        layout.addLayout(server)
        layout.addLayout(buttons)
        layout.addWidget(self.database_result)
        layout.addWidget(self.database_note)
        self.sqlite_choice.toggled.connect(self._show_choice)
        return group

    def _show_database(self) -> None:
        """Fill the fields from the database that is open now."""
        db = self.state.db
        if db.is_sqlite:
            self.sqlite_choice.setChecked(True)
            self.sqlite_path.setText(db.url.database or "")
        else:
            self.mariadb_choice.setChecked(True)
            # The password stays off the screen; an unchanged field still means the open database's URL.
            self._masked_url = (
                db.url.render_as_string(hide_password=True),
                db.url.render_as_string(hide_password=False),
            )
            self.server_url.setText(self._masked_url[0])
            self.sqlite_path.setText(default_database_url().database or "")
        self.medialibrary_schema.setText(db.schemas.medialibrary or "")
        self.listens_schema.setText(db.schemas.listens or "")
        note = (
            f"The default file is {default_database_url().database}. The database chosen here is opened at the "
            "next start too."
        )
        if os.environ.get(DATABASE_URL_ENV):
            note += f" {DATABASE_URL_ENV} is set in the environment: it wins over this choice at start-up."
        self.database_note.setText(note)
        self._show_choice()

    def _show_choice(self) -> None:
        sqlite = self.sqlite_choice.isChecked()
        self.sqlite_path.setEnabled(sqlite)
        self.choose_button.setEnabled(sqlite)
        for field in (self.server_url, self.medialibrary_schema, self.listens_schema):
            field.setEnabled(not sqlite)

    def choose_sqlite_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            "Choose the library file",
            self.sqlite_path.text(),
            "SQLite databases (*.db *.sqlite);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.sqlite_path.setText(path)

    def chosen_database(self) -> tuple[str | None, SchemaConfig]:
        """The URL and schema split the fields describe; ValueError says what is wrong with them."""
        schemas = schema_config(self.medialibrary_schema.text(), self.listens_schema.text())
        if self.sqlite_choice.isChecked():
            path = self.sqlite_path.text().strip()
            if not path:
                raise ValueError("choose the SQLite file first")
            return sqlite_url(path), schemas
        url = self.server_url.text().strip()
        if not url:
            raise ValueError("enter the server URL, e.g. mariadb+pymysql://user:password@host/tonearm")
        if self._masked_url is not None:
            url = _unmask(url, *self._masked_url)
        return url, schemas

    def test_connection(self) -> Job | None:
        try:
            url, schemas = self.chosen_database()
        except ValueError as error:
            self._result(str(error), ok=False)
            return None
        self._result("Connecting…", ok=None)
        self.test_button.setEnabled(False)
        job = self.state.jobs.call("Test connection", lambda: check_connection(url, schemas))
        self.test_job = job
        job.ended.connect(lambda: self._tested(job))
        return job

    def _tested(self, job: Job) -> None:
        self.test_button.setEnabled(True)
        if job.outcome == "finished":
            self._result(str(job.result), ok=True)
        else:
            self._result(error_text(job.result), ok=False)

    def use_database(self) -> None:
        from app.gui.state import DatabaseBusy

        try:
            url, schemas = self.chosen_database()
        except ValueError as error:
            self._result(str(error), ok=False)
            return
        try:
            self.state.open_database(url, schemas)
        except DatabaseBusy as error:
            self._result(f"{error}.", ok=False)
            return
        except Exception as error:
            self._result(f"Could not open it: {error_text(error)}", ok=False)
            return
        self._result(f"Now using {self.state.db.url.render_as_string(hide_password=True)}.", ok=True)

    def _result(self, text: str, *, ok: bool | None) -> None:
        self.database_result.setStyleSheet(outcome_style(self, ok))
        self.database_result.setText(text)
        self.database_result.setVisible(bool(text))

    # -- AcoustID --------------------------------------------------------------------------------------
    def _acoustid_group(self) -> QGroupBox:
        group = QGroupBox("AcoustID")
        about = QLabel(
            "With your own AcoustID application key, Tonearm can look up recordings by their fingerprint "
            "(tonearm analyze --acoustid). Without a key it never contacts AcoustID."
        )
        about.setWordWrap(True)
        self.acoustid_key = QLineEdit()
        self.acoustid_key.setObjectName("acoustidKey")
        self.acoustid_key.setPlaceholderText("API key from acoustid.org/my-applications")
        self.acoustid_save = QPushButton("Save key")
        self.acoustid_save.clicked.connect(self.save_acoustid_key)
        self.acoustid_result = QLabel()
        self.acoustid_result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.acoustid_key, 1)
        row.addWidget(self.acoustid_save)
        layout = QVBoxLayout(group)
        layout.addWidget(about)
        layout.addLayout(row)
        layout.addWidget(self.acoustid_result)
        return group

    def _show_acoustid(self) -> None:
        from analyzer.acoustid.keys import ConfigError, saved_api_key
        from analyzer.acoustid.service import API_KEY_ENV, config_path

        try:
            self.acoustid_key.setText(saved_api_key())
            note = f"Kept in {config_path()}."
        except ConfigError as error:
            note = str(error)
        if os.environ.get(API_KEY_ENV):
            note += f" {API_KEY_ENV} is set in the environment and is used instead."
        self.acoustid_result.setText(note)

    def save_acoustid_key(self) -> None:
        from analyzer.acoustid.keys import ConfigError, save_api_key

        try:
            path = save_api_key(self.acoustid_key.text())
        except (ConfigError, OSError) as error:
            self.acoustid_result.setStyleSheet(outcome_style(self, False))
            self.acoustid_result.setText(str(error))
            return
        self.acoustid_result.setStyleSheet("")
        saved = "Saved" if self.acoustid_key.text().strip() else "Removed the key"
        self.acoustid_result.setText(f"{saved} in {path}.")

    # -- appearance ------------------------------------------------------------------------------------
    def _appearance_group(self) -> QGroupBox:
        group = QGroupBox("Appearance")
        layout = QVBoxLayout(group)
        self.scheme_buttons: dict[str, QRadioButton] = {}
        choices = QButtonGroup(group)
        current = chosen_scheme(self.state.settings)
        for scheme, label in SCHEME_LABELS.items():
            button = QRadioButton(label)
            button.setObjectName(f"scheme_{scheme}")
            button.setChecked(scheme == current)
            button.toggled.connect(lambda on, s=scheme: self._scheme_toggled(s, on))
            choices.addButton(button)
            self.scheme_buttons[scheme] = button
            layout.addWidget(button)
        hint = QLabel(
            "Applied at once. Following the system switches when the system's light/dark setting does."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        return group

    def _scheme_toggled(self, scheme: str, on: bool) -> None:
        if on:
            self.set_scheme(scheme)

    def set_scheme(self, scheme: str) -> None:
        """Save ``scheme`` ("system", "light" or "dark") and apply it to the running app."""
        self.state.settings.setValue(APPEARANCE_KEY, scheme)
        self.state.settings.sync()
        apply_appearance(self.state.settings)
