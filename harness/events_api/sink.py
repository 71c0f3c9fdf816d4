"""Public import kept: `from harness.events_api.sink import EventsApiSink`
(harness.browser.events_api_sink)."""

from harness.browser.events_api_sink import EventsApiSink, SinkRecord

__all__ = ["EventsApiSink", "SinkRecord"]
