"""What the programme does: settings, the city, rules, use cases and texts."""
