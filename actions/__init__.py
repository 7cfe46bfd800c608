"""Rasa custom actions, one module per concern. Actions are thin: they call ``bot``."""
