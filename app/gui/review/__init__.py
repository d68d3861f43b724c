"""The Review screen (issue 14): fix listen matches by keyboard. The screen is :class:`ReviewScreen`."""

from app.gui.review.screen import ReviewScreen

__all__ = ["ReviewScreen"]
