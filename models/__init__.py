"""Tonearm: local-first music library analyzer and scrobbler."""

__version__ = "0.1.0"
