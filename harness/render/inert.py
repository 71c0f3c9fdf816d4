"""Page data made inert for terminals and XML. Pure.

Event names, parameters, URLs and console messages come from the page under test, which may
be hostile: an ESC sequence can clear a terminal or set its title, U+202E can make a line read
backwards, and most C0 characters make an XML 1.0 file unparseable. Renderers pass page text
through here; the characters are shown escaped (`\\x1b`, `\\u202e`), never dropped, so a
report still says what the page sent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

#: C0 controls but tab and newline, DEL, C1 controls; Unicode bidi controls and marks.
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
#: What XML 1.0 cannot hold at all (C0 but tab, newline, carriage return; surrogates;
#: U+FFFE/U+FFFF), plus what would be unsafe when the file is shown in a terminal.
_XML_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """`text` with control and bidi characters shown as escapes."""
    return _TERMINAL_UNSAFE.sub(_escape, text)


def for_xml(text: str) -> str:
    """`text` that XML 1.0 can hold and a terminal can show."""
    return _XML_UNSAFE.sub(_escape, text)


def xml_tree(root: ET.Element) -> ET.Element:
    """Every text, tail and attribute of an XML tree made safe, in place; returns `root`."""
    for element in root.iter():
        if element.text:
            element.text = for_xml(element.text)
        if element.tail:
            element.tail = for_xml(element.tail)
        for key, value in element.attrib.items():
            element.attrib[key] = for_xml(value)
    return root


class InertConsole(Console):
    """A rich Console that shows control and bidi characters in the text it prints as escapes.

    Rich's own styling is emitted as control segments and stays as it is; only the text of
    what is rendered (page data among it) is made inert, tables and panels included.
    """

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and _TERMINAL_UNSAFE.search(segment.text):
                yield Segment(for_terminal(segment.text), segment.style, None)
            else:
                yield segment
