"""Kept for the public import `from harness.events_api.sink import EventsApiSink` (README); the
Events API core lives in harness.core.events_api, the sink in harness.browser.events_api_sink."""
