"""Tracking plans: what each page or journey must send (model, loader, lint, matching, run)."""
