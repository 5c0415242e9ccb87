"""Sentence segmentation (interim version; being replaced by the tuned splitter)."""

from __future__ import annotations

import re

_END = re.compile(r"[^\s].*?(?:[.!?]+(?=\s+[A-ZÆØÅ«“\"–])|$)", re.S)


def sentence_spans(text: str, language: str = "nb") -> list[tuple[int, int]]:
    spans = []
    for m in _END.finditer(text):
        s, e = m.start(), m.end()
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def split_sentences(text: str, language: str = "nb") -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, language)]
