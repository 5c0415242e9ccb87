"""The stages of the chain: detect → translate → summarise, each a small object with `run`.

`base` says what a stage is; `decoding_guards` catches degenerate model output for the two
model stages.
"""
