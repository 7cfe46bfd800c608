"""Marigold: a multilingual, anonymous support chatbot for people affected by trafficking.

The package holds the logic that does not depend on Rasa (language, risk, directory,
handoff, privacy, consoles, CLI); ``bot.nlu`` wraps some of it as Rasa components.
"""
