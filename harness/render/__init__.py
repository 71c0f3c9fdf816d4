"""Renderers: report values (already masked) drawn as terminal text, JSON, JUnit and HTML.

Imports the core only (and rich, jinja2); never the browser layer or the adapters.
"""
