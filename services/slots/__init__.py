"""Interview slots: parsing (what people type), crud (one slot: create, edit, move, its state, lists),
patterns (many slots at once) and calendars (a week or month in one query).

The names below are the ones the API layer (blueprints/api) calls as `slots.<name>`; they stay
importable from here while that layer is being rewritten. Other callers import the module that
holds a name.
"""
from services.slots.crud import (
    LIST_KEYSET,
    MoveNeedsConfirmation,
    SlotMoveRefused,
    SlotOverlap,
    create_slot,
    state_of,
    update_slot,
)
from services.slots.parsing import SlotInputError, move_times, parse_date, parse_start, parse_zone, slot_spec

__all__ = [
    "LIST_KEYSET", "MoveNeedsConfirmation", "SlotInputError", "SlotMoveRefused", "SlotOverlap", "create_slot", "move_times",
    "parse_date", "parse_start", "parse_zone", "slot_spec", "state_of", "update_slot",
]
