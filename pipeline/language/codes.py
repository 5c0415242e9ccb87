"""Languages: the codes we support, their English names, and the `Language` of an article."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """A language: ISO 639-1 code (``und`` if undecidable) and confidence 0–1.

    `forced` is true when the caller named the language (``--language``) instead of detecting it.
    """

    code: str
    confidence: float
    forced: bool = False


#: Languages the detector tells apart, and the pipeline takes as input (English is not translated).
SUPPORTED = ("nb", "nn", "da", "sv", "en")
#: Languages the translation model takes.
TRANSLATED = ("nb", "nn", "da", "sv")
#: Too little text to tell.
UNDETERMINED = "und"
#: English names of the codes the detector can return (py3langid's are ISO 639-1).
NAMES = {
    "nb": "Norwegian Bokmål",
    "nn": "Norwegian Nynorsk",
    "no": "Norwegian",
    "da": "Danish",
    "sv": "Swedish",
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "fi": "Finnish",
    "is": "Icelandic",
    "fo": "Faroese",
    "se": "Northern Sami",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "et": "Estonian",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "cs": "Czech",
    "sk": "Slovak",
    "hu": "Hungarian",
    "ro": "Romanian",
    "tr": "Turkish",
    "el": "Greek",
    "ar": "Arabic",
    "fa": "Persian",
    "he": "Hebrew",
    "hi": "Hindi",
    "ur": "Urdu",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "vi": "Vietnamese",
    "th": "Thai",
    "so": "Somali",
    "ti": "Tigrinya",
    "sq": "Albanian",
    "sr": "Serbian",
    "hr": "Croatian",
    "bs": "Bosnian",
    "sl": "Slovenian",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "eu": "Basque",
    "la": "Latin",
    "ga": "Irish",
    "cy": "Welsh",
    "fy": "Frisian",
    "lb": "Luxembourgish",
    "tl": "Tagalog",
    "id": "Indonesian",
    "ms": "Malay",
    "sw": "Swahili",
    "am": "Amharic",
    "ku": "Kurdish",
    UNDETERMINED: "undetermined",
}


def language_name(code: str) -> str:
    """English name of a language code, e.g. ``"nb"`` → ``"Norwegian Bokmål"``."""
    return NAMES.get(code, code)
