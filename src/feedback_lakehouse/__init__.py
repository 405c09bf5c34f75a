"""Feedback Lakehouse: customer text to structured, prioritised, routed insight."""

__version__ = "0.1.0"
