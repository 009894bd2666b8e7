"""Tillsammans: the chat bot of Malmö Together (Malmöandan)."""
