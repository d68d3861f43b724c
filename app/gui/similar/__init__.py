"""The Similar screen (``SimilarScreen``): tracks that sound like a picked one, filtered by tempo and key."""

from app.gui.similar.screen import SimilarScreen

__all__ = ["SimilarScreen"]
