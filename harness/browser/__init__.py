"""The browser layer: Chromium resolution and launch, the capture (recorder and its scripts),
`inspect` and plan execution, and the loopback servers (demo sites, Events API sink).

Imports the core only; never the renderers or the adapters.
"""
