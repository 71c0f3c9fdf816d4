"""Which document a recorder's hello belongs to (harness.browser.documents): the recorder
holds its hello for the document's first batch, so a hello may arrive after the frame's next
navigation was answered, or by beacon with no frame at all."""

from __future__ import annotations

from itertools import count
from typing import Any, cast

import pytest

from harness.browser.documents import AnyFrame, Documents


class FakeFrame:
    """What Documents reads of a Playwright frame: its identity and whether it is a page's top."""

    def __init__(self, parent: FakeFrame | None = None) -> None:
        self.parent_frame = parent


def _documents() -> Documents:
    clock = count()
    return Documents(clock=lambda: next(clock))


def _frame() -> AnyFrame:
    return cast(AnyFrame, FakeFrame())


def _by_url(documents: Documents) -> dict[str | None, Any]:
    return {document.url: document for document in documents.values()}


A = "https://shop.example/a.html"
B = "https://shop.example/b.html"


def test_a_hello_in_time_belongs_to_the_frames_current_document() -> None:
    documents, frame = _documents(), _frame()
    documents.navigated(frame, A, 200)
    documents.recorder_started(frame, "rec-a", A + "#top", True)  # the fragment is no matter
    (only,) = documents.values()
    assert (only.id, only.url, only.status, only.recorder) == ("rec-a", A, 200, True)


@pytest.mark.parametrize(("first", "second"), [(A, B), (A, A)], ids=["next-url", "reload"])
def test_a_late_hello_belongs_to_the_document_it_left_not_to_the_next_one(
    first: str, second: str
) -> None:
    # the first document held its hello until it unloaded: by then the second's response
    # had arrived (a reload of the same URL included)
    documents, frame = _documents(), _frame()
    documents.navigated(frame, first, 200)
    documents.navigated(frame, second, 404)
    documents.recorder_started(frame, "rec-1", first, True, late=True)
    documents.recorder_started(frame, "rec-2", second, True)
    assert [(d.id, d.url, d.status) for d in documents.values()] == [
        ("rec-1", first, 200),
        ("rec-2", second, 404),
    ]


def test_a_hello_sent_while_the_next_response_was_already_in_goes_to_its_own_url() -> None:
    # not late (it left at DOMContentLoaded), but the frame's next navigation was answered
    documents, frame = _documents(), _frame()
    documents.navigated(frame, A, 200)
    documents.navigated(frame, B, 200)
    documents.recorder_started(frame, "rec-a", A, True)
    assert _by_url(documents)[A].id == "rec-a" and not _by_url(documents)[B].recorder


def test_a_late_hello_by_beacon_is_matched_by_its_url() -> None:
    documents, top, other = _documents(), _frame(), _frame()
    documents.navigated(other, A, 200)  # another page at the same URL, still current
    documents.recorder_started(other, "rec-other", A, True)
    documents.navigated(top, A, 200)
    documents.navigated(top, B, 200)
    documents.recorder_started(None, "rec-a", A, True, late=True)
    documents.recorder_started(top, "rec-b", B, True)
    ids = {(d.url, d.id, d.status) for d in documents.values()}
    assert ids == {(A, "rec-other", 200), (A, "rec-a", 200), (B, "rec-b", 200)}


def test_a_hello_from_a_document_no_navigation_answered_is_a_document_of_its_own() -> None:
    # an about:srcdoc (or error page) after A: A keeps no recorder, and a late one of that
    # kind does not push the frame's current document aside
    documents, frame = _documents(), _frame()
    documents.navigated(frame, A, 200)
    documents.recorder_started(frame, "rec-gone", "https://elsewhere.example/", True, late=True)
    documents.recorder_started(frame, "rec-a", A, True)
    by_url = _by_url(documents)
    assert by_url[A].id == "rec-a"
    assert by_url["https://elsewhere.example/"].id == "rec-gone"


def test_a_hello_without_a_url_trusts_the_order_as_before() -> None:
    documents, frame = _documents(), _frame()
    documents.navigated(frame, A, 200)
    documents.recorder_started(frame, "rec-a", None, True)
    assert _by_url(documents)[A].id == "rec-a"
