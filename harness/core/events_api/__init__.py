"""Events API 2.0: a local sink for a site's back end, request validation, and the browser ↔
server cross-check (see docs/events-api.md)."""
