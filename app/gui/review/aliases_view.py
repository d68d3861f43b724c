"""The aliases review decisions taught the matcher: what was heard, what it now means, which decision
taught it; Remove forgets one (the next "Match again" re-tries without it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.outcomes import error_text, outcome_style, plural
from app.gui.review.models import KEY_ROLE, AliasModel
from app.gui.state import AppState

if TYPE_CHECKING:
    from app.gui.jobs import Job
    from models.engine import Database


def _read_aliases(db: Database) -> list[Any]:
    from analyzer.aliases import learned_aliases

    with db.session() as session:
        return learned_aliases(session)


def _remove(db: Database, kind: Any, alias_id: int) -> bool:
    from analyzer.aliases import remove_alias

    with db.session() as session:
        return remove_alias(session, kind, alias_id)


class AliasesView(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewAliases")
        self.state = state
        self.model = AliasModel(self)
        self.loading: Job | None = None
        self.view = QTableView()
        self.view.setObjectName("reviewAliasTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        for column in range(self.model.columnCount()):
            stretch = column in (1, 2, 3)
            header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.ResizeToContents
            )
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._buttons())
        self.intro = QLabel(
            "Each accepted or linked spelling is remembered so the next matching links it by itself. "
            "Remove one the matcher should not learn."
        )
        self.intro.setWordWrap(True)
        self.remove_button = QPushButton("Remove alias")
        self.remove_button.setObjectName("reviewRemoveAlias")
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = QLabel()
        self.status.setObjectName("reviewAliasStatus")
        row = QHBoxLayout()
        row.addWidget(self.remove_button)
        row.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        state.listens_changed.connect(lambda: self.reload() if self.isVisible() else None)
        self._buttons()

    def reload(self) -> None:
        if self.loading is not None:
            return
        db = self.state.db
        job = self.state.jobs.call("Read learned aliases", lambda: _read_aliases(db))
        self.loading = job
        job.ended.connect(lambda: self._loaded(job))

    def _loaded(self, job: Job) -> None:
        self.loading = None
        if job.outcome != "finished":
            self._say(f"Could not read the aliases: {error_text(job.result)}", False)
            return
        self.model.set_rows(job.result)
        if not job.result:
            self._say("Nothing learned yet: aliases appear here as you accept or link listens.", None)
        else:
            self._say(f"{plural(len(job.result), 'alias', 'aliases')} learned from review decisions.", None)
        self._buttons()

    def remove_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        alias = self.model.rows[rows[0].row()]
        kind, alias_id = rows[0].data(KEY_ROLE)
        db = self.state.db
        job = self.state.jobs.call("Remove an alias", lambda: _remove(db, kind, alias_id), kind="review")
        job.ended.connect(lambda: self._removed(job, alias))

    def _removed(self, job: Job, alias: Any) -> None:
        if job.outcome != "finished":
            self._say(f"Not removed: {error_text(job.result)}", False)
            return
        self.reload()
        self._say(f"Forgot “{alias.alias}” → {alias.target}. Match again to re-try without it.", True)

    def _buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.view.selectionModel().selectedRows()))

    def _say(self, text: str, ok: bool | None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(outcome_style(self, ok))
