"""The Organize files screen (rename and move files from their tags): see :mod:`.screen`."""

from app.gui.organize.screen import OrganizeScreen

__all__ = ["OrganizeScreen"]
