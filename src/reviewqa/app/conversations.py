"""Conversations kept on the server under an id that the page puts in its URL (?c=…), so that a reload, or the
same link opened again while the server runs, finds the conversation where it was.

Ids are random (unguessable: a conversation is read only by whoever holds its link). Memory is bounded: beyond
`limit` conversations the one used longest ago is forgotten, and a conversation keeps its last `max_turns` turns.
A server restart forgets them all; the page then says so and starts afresh.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..answer import Answer

if TYPE_CHECKING:  # the written-answer package imports its prompt packing; only sessions with a model server need it
    from ..written import WrittenAnswer


@dataclass(frozen=True)
class Turn:
    """One question and what the page showed for it: the quoted answer, and the written one when a model server wrote one."""

    answer: Answer
    written: WrittenAnswer | None = None
    limited_to: frozenset[str] | None = None  # the kinds of passage the search was limited to (None: all)


class Conversations:
    """Turns by conversation id, shared by every session of the server (thread-safe)."""

    def __init__(self, limit: int = 500, max_turns: int = 100):
        self.limit = limit
        self.max_turns = max_turns
        self._turns: OrderedDict[str, tuple[Turn, ...]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(12)

    def get(self, conversation: str) -> tuple[Turn, ...] | None:
        """The turns of a conversation, or None when the server does not hold it (never had it, or forgot it)."""
        with self._lock:
            turns = self._turns.get(conversation)
            if turns is not None:
                self._turns.move_to_end(conversation)
            return turns

    def append(self, conversation: str, turn: Turn) -> tuple[Turn, ...]:
        """Add a turn (starting the conversation if new); its turns now."""
        with self._lock:
            turns = (*self._turns.pop(conversation, ()), turn)[-self.max_turns:]
            self._turns[conversation] = turns
            while len(self._turns) > self.limit:
                self._turns.popitem(last=False)
            return turns
