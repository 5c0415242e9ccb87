"""Engines that run a loaded seq2seq model: transformers (the reference) and CTranslate2."""
