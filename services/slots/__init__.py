"""Interview slots: parsing (what people type), crud (one slot: create, edit, move, its state, lists),
patterns (many slots at once) and calendars (a week or month in one query). Callers import the
module that holds a name."""
