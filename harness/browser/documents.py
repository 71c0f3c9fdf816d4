"""The documents a capture watched (navigations, the recorder's hello, pixel requests), for
the capture-health rules (CapturedDocument)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from playwright.async_api import Frame as AsyncFrame
from playwright.async_api import Request as AsyncRequest
from playwright.sync_api import (
    Frame,
    Request,
)

from harness.core.model import (
    CapturedDocument,
)

#: a frame of either Playwright flavour (only its identity and attributes are read here)
AnyFrame = Frame | AsyncFrame


class _Document:
    """A document as the capture learns about it (CapturedDocument once reported)."""

    def __init__(
        self,
        key: str,
        url: str | None,
        *,
        main_frame: bool,
        parent: _Document | None,
        status: int | None = None,
        index: int | None = None,
    ) -> None:
        self.key = key  # the harness's own id until the recorder reports its id
        self.index = index
        self.url = url
        self.main_frame = main_frame
        self.parent = parent
        self.status = status
        self.recorder_id: str | None = None
        self.pixel = False
        self.requests: list[int] = []

    @property
    def id(self) -> str:
        return self.recorder_id or self.key

    def value(self) -> CapturedDocument:
        return CapturedDocument(
            id=self.id,
            url=self.url,
            main_frame=self.main_frame,
            parent=self.parent.id if self.parent is not None else None,
            status=self.status,
            recorder=self.recorder_id is not None,
            pixel=self.pixel,
            requests=list(self.requests),
            index=self.index,
        )


class Documents:
    """Which document each frame shows, learnt from navigation responses (status) and the
    recorder's hello (one per document it started in)."""

    def __init__(
        self, clock: Callable[[], int], changed: Callable[[], None] = lambda: None
    ) -> None:
        #: bumped on every change, so a reader can tell whether anything happened since
        self.revision = 0
        self._clock = clock  # the capture's index counter: documents are ordered with events
        self._changed = changed  # told of every change (the capture wakes its waits)
        self._all: list[_Document] = []
        self._by_recorder: dict[str, _Document] = {}
        self._current: dict[AnyFrame, _Document] = {}
        self._previous: dict[AnyFrame, _Document] = {}  # the one each frame showed before

    def _change(self) -> None:
        self.revision += 1
        self._changed()

    def _new(
        self, frame: AnyFrame | None, url: str | None, main_frame: bool, status: int | None = None
    ) -> _Document:
        parent = None
        if frame is not None and not main_frame:
            with contextlib.suppress(Exception):
                parent = self._current.get(frame.page.main_frame)
        document = _Document(
            f"nav-{len(self._all) + 1}",
            url,
            main_frame=main_frame,
            parent=parent,
            status=status,
            index=self._clock(),
        )
        self._all.append(document)
        if frame is not None:
            earlier = self._current.get(frame)
            if earlier is not None:
                self._previous[frame] = earlier
            self._current[frame] = document
        return document

    def navigated(self, frame: AnyFrame, url: str, status: int) -> None:
        self._change()
        self._new(frame, url, frame.parent_frame is None, status)

    def recorder_started(
        self, frame: AnyFrame | None, recorder_id: str, url: Any, top: bool, *, late: bool = False
    ) -> None:
        """A recorder's hello. `late`: held until its document unloaded (call_recorder.js), so
        the frame's next navigation may have been answered already."""
        self._change()
        if not recorder_id or recorder_id in self._by_recorder:
            return
        if frame is not None:
            document = self._navigated_to(frame, url, late)
        else:  # by beacon: the binding could not take it while its document unloaded
            document = self._unloaded_at(url, top) if late else None
        if document is None:
            # No navigation response for it (about:blank, srcdoc, a report by beacon). A late
            # one's frame shows another document by now: it does not become the current one.
            main = frame.parent_frame is None if frame is not None else top
            document = self._new(None if late else frame, str(url) if url else None, main)
        document.recorder_id = recorder_id
        self._by_recorder[recorder_id] = document

    def _navigated_to(self, frame: AnyFrame, url: Any, late: bool) -> _Document | None:
        """The document from a navigation response that a hello is from: the frame's current
        one at the hello's URL, or the one before it (the hello left after the next
        navigation was answered: late, or its document was still parsing then); a late hello
        looks at the one before first. None: no navigation answered for that document
        (about:blank, srcdoc, an error page)."""
        current, previous = self._current.get(frame), self._previous.get(frame)
        for document in (previous, current) if late else (current, previous):
            if (
                document is not None
                and document.recorder_id is None
                and _same_url(document.url, url)
            ):
                return document
        return None

    def _unloaded_at(self, url: Any, top: bool) -> _Document | None:
        """A late hello that came by beacon names no frame: the document at its URL that some
        frame shows or showed last, and that no recorder said hello from."""
        if not isinstance(url, str) or not url:
            return None
        for shown in (self._previous, self._current):
            for document in reversed(shown.values()):
                unclaimed = document.recorder_id is None and document.main_frame == top
                if unclaimed and document.url and _same_url(document.url, url):
                    return document
        return None

    def pixel_seen(self, recorder_id: str, url: Any) -> None:
        self._change()
        document = self._by_recorder.get(recorder_id)
        if document is None:  # its hello was lost: the document is known from this record
            document = self._new(None, str(url) if url else None, True)
            document.recorder_id = recorder_id or None
            if recorder_id:
                self._by_recorder[recorder_id] = document
        document.pixel = True

    def requested(self, frame: AnyFrame | None, index: int) -> None:
        self._change()
        document = self._current.get(frame) if frame is not None else None
        if document is not None:
            document.requests.append(index)

    def renumber(self, moved: dict[int, int]) -> None:
        """Requests the capture re-ordered after their calls keep their document."""
        self._change()
        for document in self._all:
            document.requests = [moved.get(index, index) for index in document.requests]

    def values(self) -> list[CapturedDocument]:
        return [
            document.value()
            for document in self._all
            # an empty about:blank (every new page and iframe starts as one) says nothing
            if (document.url or "").startswith(("http:", "https:"))
            or document.pixel
            or document.requests
        ]


def _same_url(document_url: str | None, hello_url: Any) -> bool:
    """A navigation response's URL and the recorder's location.href at document start name the
    same document (the response's URL has no fragment)."""
    if not document_url or not isinstance(hello_url, str) or not hello_url:
        return True  # nothing to tell them apart: trust the order, as before
    return document_url.partition("#")[0] == hello_url.partition("#")[0]


def frame_of(request: Request | AsyncRequest) -> AnyFrame | None:
    try:
        return request.frame
    except Exception:  # detached frame, or a service worker's request
        return None


def frame_url_of(request: Request | AsyncRequest) -> str | None:
    try:
        return request.frame.url
    except Exception:  # detached frame: a beacon sent while the page was unloading
        return request.headers.get("referer")
