"""Developer tools that are run by hand, not by the bot (see each module's docstring)."""
