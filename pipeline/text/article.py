"""Turning what a user hands us (bytes from a file or stdin) into an article: text plus metadata.

Decoding is strict about what is not text (binary data, images) and forgiving about how text is
encoded (BOMs, UTF-16, Latin-1/Windows-1252, CRLF, stray control characters). Header lines at the
top such as ``date 2025-08-21`` or ``title ...`` become metadata and are not translated; a date
header may share its line with the first sentence, as in the user's sample.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.errors import InputError
from pipeline.text.html_extract import html_to_text, looks_like_html

log = logging.getLogger("pipeline")

#: Largest article accepted by default, in characters (checked before any model loads).
DEFAULT_MAX_CHARS = 500_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
# Control characters other than tab and newline; they carry no text and confuse tokenizers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_HEADER_KEYS = ("date", "title", "author", "source", "url", "section")
_HEADER = re.compile(r"[ \t]*(" + "|".join(_HEADER_KEYS) + r")\b[ \t]*:?[ \t]*(\S[^\n]*)?\n?")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)(?=\s|$)[ \t]*")


@dataclass(frozen=True)
class Article:
    """An article's body (the text to translate) and its header metadata."""

    body: str
    metadata: dict[str, str] = field(default_factory=dict)


def decode_bytes(data: bytes, *, name: str = "input") -> str:
    """Decode `data` to normalised text, or raise `InputError` if it is not text at all."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return normalise(data.decode(encoding, errors="replace"))
    if data.startswith(_MAGIC) or data[:4096].count(0) > 16:
        raise InputError(f"{name}: not a text file (binary data)")
    try:
        return normalise(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    guessed = _guess_encoding(data)
    if guessed is None:
        raise InputError(f"{name}: not a text file (no text encoding fits)")
    log.warning("%s is not UTF-8; decoded as %s", name, guessed)
    return normalise(data.decode(guessed, errors="replace"))


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp850"]).best()
    if best is None:
        best = from_bytes(data).best()
    return best.encoding if best is not None else None


def normalise(text: str) -> str:
    """NFC, LF line endings, no control characters, no trailing spaces at line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Controls go first: one between a letter and its combining accent would block composition.
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return "\n".join(line.rstrip() for line in text.split("\n"))


def parse_article(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Article:
    """Split header metadata from the body. Raises `InputError` for no text or too much.

    HTML is extracted to text first (see `pipeline.text.html_extract`).
    """
    if len(text) > max_chars:
        raise InputError(
            f"input is {len(text):,} characters, over the limit of {max_chars:,}",
            reason="too_large",
        )
    if looks_like_html(text):
        text = html_to_text(text)
    metadata: dict[str, str] = {}
    pos = 0
    while True:
        match = _HEADER.match(text, pos)
        if match is None or match.group(1) in metadata:
            break
        key, value = match.group(1), match.group(2) or ""
        if key == "date":
            date = _DATE.match(value)
            if date is None:
                break
            metadata["date"] = date.group(1)
            rest = value[date.end() :]
            if rest:  # the first sentence shares the date's line
                pos = match.start(2) + date.end()
                break
        else:
            metadata[key] = value.strip()
        pos = match.end()
    body = text[pos:].strip()
    if not body:
        raise InputError("no text: the input is empty or holds only a header")
    return Article(body=body, metadata=metadata)


def read_source(source: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The text of file `source`, or of standard input for ``-``. Raises `InputError`.

    Reads at most what `max_chars` characters can take (4 bytes each in UTF-8), so an endless
    stream or a huge file is refused without being read whole.
    """
    import sys

    limit = 4 * max_chars + 4
    name = "stdin" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, not a text file") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InputError(f"{name}: over the limit of {max_chars:,} characters", reason="too_large")
    return decode_bytes(data, name=name)
