"""Rules: see _registry.py."""
