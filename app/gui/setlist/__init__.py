"""The Set builder screen (harmonic DJ sets from a start track): see :mod:`.screen`."""

from app.gui.setlist.screen import SetlistScreen

__all__ = ["SetlistScreen"]
