"""From a channel message to the text an agent gets: tags stripped, its mention removed.

Mentions are `@<name>`, case-insensitive, where the name is the agent's name as written
in its card or workflow, spaces included ("@Weather Agent"). A mention must start the
text or follow a non-word character (so `bob@pingpong.io` is not one) and must not run on
into a word (`@PingPongs` does not mention PingPong). When names overlap, the longest
wins: "@Weather Agent hi" mentions "Weather Agent", not "Weather".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "tr"}
)
_SKIPPED_TAGS = frozenset({"script", "style"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br" or tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def strip_html(html_or_text: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, block ends as
    line breaks, runs of blank lines and spaces at line ends trimmed."""
    collector = _TextCollector()
    collector.feed(html_or_text)
    collector.close()
    lines = [line.strip() for line in "".join(collector.chunks).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _mention_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    cleaned = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    # Inner whitespace in a name matches any run of spaces (HTML collapses them anyway).
    alternatives = "|".join(r"\s+".join(map(re.escape, n.split())) for n in cleaned)
    return re.compile(rf"(?<![\w@])@({alternatives})(?!\w)", re.IGNORECASE)


def mentioned(text: str, names: Iterable[str]) -> list[str]:
    """The names (as given) that `text` mentions with `@name`, in order of first mention."""
    names = list(names)
    pattern = _mention_pattern(names)
    if pattern is None:
        return []
    by_key = {" ".join(n.split()).casefold(): n for n in names}
    found: list[str] = []
    for match in pattern.finditer(strip_html(text)):
        name = by_key[" ".join(match.group(1).split()).casefold()]
        if name not in found:
            found.append(name)
    return found


def plain_text(html_or_text: str, mention_names: Iterable[str] = ()) -> str:
    """What the agent gets as its text part: the message without tags and without the
    `@name` mentions of `mention_names`, so "<p>@PingPong ping</p>" becomes "ping"."""
    text = strip_html(html_or_text)
    pattern = _mention_pattern(mention_names)
    if pattern is None:
        return text
    removed = pattern.sub("", text)
    # Tidy what the mention leaves behind: "hi @Bot, there" -> "hi, there", not "hi , there".
    lines = [re.sub(r"[ \t]+([,.;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", line)).strip()
             for line in removed.splitlines()]  # fmt: skip
    return "\n".join(lines).strip().lstrip(",:;").strip()
