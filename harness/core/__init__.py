"""The pure core: values, TikTok's facts, decoding, reconciliation, rules, plans, masking.

Nothing here imports Playwright, pytest, typer, rich or jinja2, or anything from
harness.render, harness.browser or harness.adapters (checked by `lint-imports`).
"""
