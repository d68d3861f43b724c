"""Exporting from the Stats screen: the Export button's menu, the chart's and the table's context menus, the
save dialog, and the export job with its one-line outcome. The screen owns the widgets; this holds what to
offer and what happens when a person picks it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QSettings
from PySide6.QtWidgets import QFileDialog, QMenu

from app.gui.outcomes import error_text

if TYPE_CHECKING:
    from app.gui.stats.screen import StatsScreen

EXPORT_DIR_KEY = "stats/export_dir"
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "parquet": "Parquet", "png": "PNG image", "svg": "SVG image"}
TABLE_LABELS = {
    "discoveries": "Tracks",
    "discoveries-artists": "Artists",
    "taste-features": "Features",
    "taste-genres": "Genres",
    "taste-keys": "Keys",
    "taste-hours": "Hours",
    "compat": "Score",
    "compat-shared-artists": "Shared artists",
    "compat-shared-tracks": "Shared tracks",
    "library": "Summary",
    "library-formats": "Formats",
}


def chart_part() -> str:
    from scrobbler.exports.view_export import CHART_PART

    return CHART_PART


def table_label(name: str) -> str:
    """What a tab calls one of a view's tables ("Table" for a view's only one)."""
    return TABLE_LABELS.get(name, "Table")


class StatsExports:
    """The export menus and jobs of one Stats screen."""

    def __init__(self, screen: StatsScreen) -> None:
        self.screen = screen
        self.settings: QSettings = screen.settings

    def export_to(self, part: str, fmt: str, path: Path) -> Any:
        screen = self.screen
        if screen.view is None:
            return None
        job = screen.controller.export(screen.view, part, Path(path), fmt, screen.chart.theme())  # type: ignore[arg-type]
        screen.last_export = job
        screen.show_status(f"Exporting {Path(path).name}…", None)
        job.finished.connect(lambda result: self._on_exported(result))
        job.failed.connect(lambda error: screen.show_status(f"Export failed: {error_text(error)}", False))
        job.cancelled.connect(lambda _r: screen.show_status("Export stopped; no file was written.", None))
        return job

    def ask_export(self, part: str, fmt: str) -> None:
        screen = self.screen
        if screen.view is None:
            return
        folder = str(self.settings.value(EXPORT_DIR_KEY, str(Path.home()), type=str))
        stem = part if part != chart_part() else screen.view.name
        suggested = Path(folder) / f"{stem}-{screen.range_picker.text()}.{fmt}".replace("..", "_to_")
        path, _filter = QFileDialog.getSaveFileName(
            screen, f"Export {self.part_label(part)} as {FORMAT_NAMES[fmt]}", str(suggested),
            f"{FORMAT_NAMES[fmt]} (*.{fmt})",
        )  # fmt: skip
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{fmt}":
            target = target.with_name(target.name + f".{fmt}")
        self.settings.setValue(EXPORT_DIR_KEY, str(target.parent))
        self.export_to(part, fmt, target)

    def part_label(self, part: str) -> str:
        if part == chart_part():
            return "the chart"
        view = self.screen.view
        if view is not None and len(view.tables) > 1:
            return f"the {table_label(part).lower()} table"
        return "the table"

    def fill_menu(self, menu: QMenu) -> None:
        """The Export button's menu: the chart, then every table of the view on screen."""
        menu.clear()
        view = self.screen.view
        if view is None or view.message is not None:
            action = menu.addAction("Nothing to export")
            action.setEnabled(False)
            return
        if view.chart_kind:
            self.add_actions(menu, chart_part(), "Chart")
            menu.addSeparator()
        current = self.screen.model.table.name
        for table in view.tables:
            label = "Table" if len(view.tables) == 1 else f"{table_label(table.name)} table"
            if table.name == current and len(view.tables) > 1:
                label += " (shown)"
            self.add_actions(menu, table.name, label)

    def add_actions(self, menu: QMenu, part: str, label: str) -> None:
        from scrobbler.exports.view_export import export_formats

        view = self.screen.view
        assert view is not None
        for fmt in export_formats(view, part):
            action = menu.addAction(f"{label} as {FORMAT_NAMES[fmt]}…")
            action.setObjectName(f"export-{part}-{fmt}")
            action.triggered.connect(lambda _checked=False, p=part, f=fmt: self.ask_export(p, f))

    def table_menu(self) -> QMenu:
        screen = self.screen
        menu = QMenu(screen)
        if screen.view is not None and screen.model.table.name:
            self.add_actions(menu, screen.model.table.name, "Export this table")
            track = self.selected_track()
            if track is not None and screen.state.has_screen("library"):
                menu.addSeparator()
                action = menu.addAction("Show in Library")
                action.setObjectName("jump-library")
                action.triggered.connect(lambda: screen.state.navigate("library", {"track_id": track}))
        return menu

    def chart_menu(self) -> QMenu:
        menu = QMenu(self.screen)
        view = self.screen.view
        if view is not None and view.chart_kind:
            self.add_actions(menu, chart_part(), "Save chart")
        return menu

    def popup_table_menu(self, position: QPoint) -> None:
        self.table_menu().popup(self.screen.table.viewport().mapToGlobal(position))

    def popup_chart_menu(self, position: QPoint) -> None:
        self.chart_menu().popup(self.screen.chart.picture.mapToGlobal(position))

    def selected_track(self) -> int | None:
        """The catalog track id of the selected row of a top-tracks or recommendations table."""
        screen = self.screen
        index = screen.table.currentIndex()
        table = screen.model.table
        if not index.isValid() or "catalog_id" not in table.columns:
            return None
        values = dict(zip(table.columns, screen.model.row_values(index.row()), strict=True))
        is_track = table.name.startswith("top-tracks") or values.get("kind") == "track"
        return int(values["catalog_id"]) if is_track and values["catalog_id"] is not None else None

    def _on_exported(self, result: Any) -> None:
        what = f"{result.rows:,} rows" if result.rows is not None else "chart"
        self.screen.show_status(f"Saved {result.path} ({what}, {result.fmt.upper()}).", True)
