"""Rasa plug-ins: thin wrappers that make Rasa components of the logic in ``bot``."""
