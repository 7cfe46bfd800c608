"""The base of our NLU components that neither train nor load anything.

Rasa builds every graph component through ``create()``; ours need no config,
storage or context (their data is read from the repository at first use), so the
factory is written once here.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from typing_extensions import Self


class StatelessComponent(GraphComponent):
    """A graph component with nothing to train, persist or configure."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """Rasa's factory: a fresh instance, whatever the arguments."""
        return cls()
