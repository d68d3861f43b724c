"""The Duplicates screen (``DuplicatesScreen``): duplicate groups, the file to keep, and the system trash."""

from app.gui.duplicates.screen import DuplicatesScreen

__all__ = ["DuplicatesScreen"]
