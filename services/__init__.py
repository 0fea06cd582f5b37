"""Domain logic with no HTTP: each module owns one area's rules."""
