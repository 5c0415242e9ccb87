"""HTML handed to us instead of text: extracted to paragraphs, not translated as markup.

Scrapers sometimes deliver the page rather than the article. We keep what a reader sees as the
article (headings, paragraphs, list items, quotes) one per line, take `<title>` as the title,
and drop scripts, styles and navigation. Anything fancier (boilerplate removal) is left to
dedicated tools such as trafilatura, upstream of us.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_START = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_TAG = re.compile(r"</?(?:p|div|h[1-6]|br|li|span|a|b|i|em|strong)\b[^>]{0,200}>", re.IGNORECASE)
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "pre"}
_SKIP = {"script", "style", "noscript", "nav", "footer", "template", "svg", "form"}


def looks_like_html(text: str) -> bool:
    """A document start (doctype, html, head, body) or markup on a good share of lines."""
    if _START.match(text):
        return True
    lines = max(1, text.count("\n") + 1)
    return len(_TAG.findall(text, 0, 20_000)) >= max(3, lines // 2)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.blocks: list[str] = []
        self.loose: list[str] = []  # text outside block elements (a fallback)
        self._current: list[str] | None = None
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCKS:
            self._flush()
            self._current = []
        elif tag == "br" and self._current is not None:
            self._current.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_title:
            self.title.append(data)
        elif self._current is not None:
            self._current.append(data)
        else:
            self.loose.append(data)

    def _flush(self) -> None:
        if self._current is not None:
            text = " ".join("".join(self._current).split())
            if text:
                self.blocks.append(text)
        self._current = None


def html_to_text(html: str) -> str:
    """The article text of `html`, one paragraph per line, led by a ``title`` header line."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser._flush()
    blocks = parser.blocks or [" ".join("".join(parser.loose).split())]
    title = " ".join("".join(parser.title).split())
    head = f"title {title}\n\n" if title else ""
    return head + "\n\n".join(b for b in blocks if b)
