"""Faithfulness checks: figures, scales and names that a translation or a summary got wrong."""

from .checks import Check, SentencePair, check_translation, pair_paragraphs
from .quantities import Quantity, describe, extract_quantities
from .summary import check_summary

__all__ = [
    "Check",
    "Quantity",
    "SentencePair",
    "check_summary",
    "check_translation",
    "describe",
    "extract_quantities",
    "pair_paragraphs",
]
