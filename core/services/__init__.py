"""Domain services: plain async functions over a database session; use cases commit."""
