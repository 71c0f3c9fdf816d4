"""`ttq-harness events-api serve`: the local Events API 2.0 sink in the foreground.

For a developer pointing a real back end at it: every request is printed with what the sink
answered and, for a malformed one, each problem as an EA001 finding. Nothing is forwarded to
TikTok. See docs/events-api.md.
"""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from harness.browser.events_api_sink import EventsApiSink, SinkRecord
from harness.core.errors import HarnessError
from harness.core.events_api.validate import server_events
from harness.core.masking import mask_text
from harness.render.inert import InertConsole

console = InertConsole(highlight=False, soft_wrap=True)
err = InertConsole(stderr=True, highlight=False, soft_wrap=True)


def record_lines(record: SinkRecord, show_pii: bool = False) -> list[str]:
    """What `serve` prints for one request: the request, its events, its findings."""
    request = record.request
    answer = record.response
    lines = [
        f"#{request.index} {request.method} {request.url} -> code {answer.get('code')} "
        f"{answer.get('message')}"
    ]
    for event in server_events(request):
        lines.append(
            f"  event {event.name} event_id={event.event_id or '(none)'} "
            f"pixel={event.pixel_code or '(none)'} event_time={event.event_time}"
        )
    for problem in record.problems:
        lines.append(f"  EA001 invalid-events-api-request {problem.path}: {problem.message}")
    return lines if show_pii else [mask_text(line) for line in lines]


def register(app: typer.Typer) -> None:
    events_api_app = typer.Typer(
        help="A local Events API 2.0 sink for testing a back end's server-side events.",
        no_args_is_help=True,
    )
    app.add_typer(events_api_app, name="events-api")

    @events_api_app.command("serve")
    def serve_command(
        port: Annotated[
            int,
            typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0 = any free port)."),
        ] = 0,
        show_pii: Annotated[
            bool, typer.Option("--show-pii", help="Do not mask e-mails and phone numbers.")
        ] = False,
    ) -> None:
        """Run the sink until Ctrl-C, printing each request, its events and its findings."""
        try:
            sink = EventsApiSink(port=port)
        except HarnessError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(2) from exc
        printing = threading.Lock()

        def show(record: SinkRecord) -> None:
            with printing:
                for line in record_lines(record, show_pii):
                    console.print(line, markup=False)

        sink.on_record = show
        sink.start()
        console.print(
            f"Events API sink at {sink.url} (point your back end's Events API URL here; "
            "any Access-Token is accepted). Ctrl-C to stop.",
            markup=False,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            sink.stop()
            records = sink.records
            bad = sum(1 for r in records if not r.ok)
            console.print(f"{len(records)} request(s), {bad} with problems", markup=False)
