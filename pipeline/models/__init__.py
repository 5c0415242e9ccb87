"""Models: finding them (builtin, local, hub), building the tiny ones, loading them into a backend.

`locate` finds a model's directory; `loading` picks a backend and loads it; `builtin` builds the
random-weight test models; `backends/` holds the engines (transformers, CTranslate2).
"""
