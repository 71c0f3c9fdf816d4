"""Capture: which requests belong to the pixel (pure) and the Playwright recorder (adapter)."""
