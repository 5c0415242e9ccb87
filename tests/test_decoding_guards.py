"""Decoding guards: degenerate outputs are decoded again with safer settings, and said so."""

from __future__ import annotations

from pipeline.stages.decoding_guards import degenerate, generate_guarded, repeated_ngram, safer

SOURCE = "Regjeringen la fram statsbudsjettet for neste år på tirsdag."


class Scripted:
    """A backend answering from a script per call; records the settings of each call."""

    name = "scripted"
    max_input_tokens = 512

    def __init__(self, *answers):
        self.answers = list(answers)
        self.settings: list[dict] = []

    def count_tokens(self, texts):
        return [len(t.split()) + 1 for t in texts]

    def generate(self, texts, settings):
        self.settings.append(dict(settings))
        answer = self.answers.pop(0)
        return [answer(t) if callable(answer) else answer for t in texts]


def test_a_loop_is_retried_with_safer_settings():
    backend = Scripted("the the the the the budget", "The government presented the budget.")
    out, flags = generate_guarded(backend, [SOURCE], {"num_beams": 2})
    assert out == ["The government presented the budget."] and flags == ["retried"]
    assert backend.settings[1] == safer({"num_beams": 2})
    assert backend.settings[1]["num_beams"] >= 4 and backend.settings[1]["no_repeat_ngram_size"]


def test_what_stays_degenerate_is_kept_and_flagged():
    backend = Scripted("", "")
    out, flags = generate_guarded(backend, [SOURCE], {})
    assert out == [""] and flags == ["degenerate"]


def test_good_outputs_are_not_decoded_again():
    backend = Scripted("The government presented next year's budget on Tuesday.")
    _, flags = generate_guarded(backend, [SOURCE], {})
    assert flags == [None] and len(backend.settings) == 1


def test_a_runaway_length_is_retried_unless_the_settings_force_it():
    runaway = "The government presented the budget for next year, " * 6
    assert degenerate(SOURCE, runaway) is not None and repeated_ngram(runaway) is None
    backend = Scripted(runaway, "The government presented the budget.")
    assert generate_guarded(backend, [SOURCE], {})[1] == ["retried"]
    # With min_new_tokens the length is asked for: a retry would be forced to it again.
    forced = Scripted(runaway)
    out, flags = generate_guarded(forced, [SOURCE], {"min_new_tokens": 60, "max_new_tokens": 60})
    assert out == [runaway] and flags == [None] and len(forced.settings) == 1


def test_a_loop_is_retried_even_when_the_length_is_forced():
    backend = Scripted("budget " * 30, "The government presented the budget.")
    _, flags = generate_guarded(backend, [SOURCE], {"min_new_tokens": 30})
    assert flags == ["retried"]
