"""Faithfulness checks: figures, scales and names that a translation or a summary got wrong."""

from .checks import Check, check_summary, check_translation
from .quantities import Quantity, describe, extract_quantities

__all__ = [
    "Check",
    "Quantity",
    "check_summary",
    "check_translation",
    "describe",
    "extract_quantities",
]
