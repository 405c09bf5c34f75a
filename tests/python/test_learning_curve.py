"""Issue 18 part 5: the learning-curve simulation (feedback_devtools.learning_curve), on
small synthetic data: the reviewer's decisions are the gold labels, the queue arm takes
the items of highest expected value, both arms start from the same random day, and the
checkpoints count decisions exactly."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from feedback_devtools.learning_curve import (
    Task,
    accuracy,
    by_expected_value,
    expected_value,
    learned_trainer,
    learning_curve,
    simulate,
    split_task,
)


@dataclass(frozen=True)
class Guess:
    label: str
    probability: float


class Fixed:
    """A fake model: a fixed (label, confidence) per text."""

    def __init__(self, answers: dict[str, tuple[str, float]]) -> None:
        self.answers = answers

    def predict_categories(self, texts):
        return [Guess(*self.answers[t]) for t in texts]


def _task(size: int = 40) -> Task:
    pool = [(f"text {i}", f"label{i % 4}") for i in range(size)]
    held = [(f"held {i}", f"label{i % 4}") for i in range(8)]
    return Task("synthetic", pool, held)


def test_expected_value_is_priority_times_the_chance_of_a_wrong_label() -> None:
    assert expected_value(80.0, 0.5) == 40.0
    assert expected_value(60.0, 0.25) == 45.0  # less sure, lower priority: worth more
    assert expected_value(30.0, None) == 30.0  # no confidence: certainly worth a look


def test_queue_takes_the_least_sure_first_and_priority_weighs_in() -> None:
    pool = [("a", "x"), ("b", "x"), ("c", "x"), ("d", "x")]
    model = Fixed({"a": ("x", 0.9), "b": ("x", 0.2), "c": ("y", 0.5), "d": ("y", 0.6)})
    assert by_expected_value(model, pool, [0, 1, 2, 3], 2) == [1, 2]
    # label y worth 3x as much: d (0.4 x 3) and c (0.5 x 3) come before b (0.8 x 1)
    picks = by_expected_value(model, pool, [0, 1, 2, 3], 2, {"x": 1.0, "y": 3.0}.get)
    assert picks == [2, 3]
    assert by_expected_value(None, pool, [3, 0, 1], 2) == [3, 0]  # no model yet


def test_decisions_are_gold_counted_per_checkpoint_and_start_alike() -> None:
    task = _task()
    seen: dict[str, list[list[tuple[str, str]]]] = {"queue": [], "random": []}

    def recording(arm: str):
        def train(decisions):
            seen[arm].append(list(decisions))
            rng = random.Random(len(decisions))
            return Fixed({t: ("label0", rng.random()) for t, _ in task.pool + task.held_out})

        return train

    for arm in ("queue", "random"):
        simulate(task, arm, seed=5, checkpoints=(10, 25), batch=5, trainer=recording(arm))
    # the queue learns after every day (5 + 5 + 3 days), random at each checkpoint
    assert [len(d) for d in seen["queue"]] == [5, 10, 15, 20, 25]
    assert [len(d) for d in seen["random"]] == [10, 25]
    for decisions in seen["queue"] + seen["random"]:
        assert len(set(decisions)) == len(decisions)  # nobody reviews an item twice
        assert all(label == f"label{int(t.split()[1]) % 4}" for t, label in decisions)
    assert seen["queue"][0] == seen["random"][0][:5]  # the same first day
    assert seen["queue"][1][5:] != seen["random"][0][5:]  # then the queue order


def test_accuracy_counts_right_labels_and_an_untrained_model_gets_none() -> None:
    rows = [("a", "x"), ("b", "y"), ("c", "y"), ("d", "x")]
    model = Fixed({"a": ("x", 0.9), "b": ("x", 0.9), "c": ("y", 0.9), "d": ("x", 0.9)})
    assert accuracy(model, rows) == 0.75
    assert accuracy(None, rows) == 0.0
    assert accuracy(learned_trainer([("a", "x")]), rows) == 0.0  # too few to learn


def test_split_is_stable_and_disjoint() -> None:
    rows = [(f"id-{i}", f"text {i}", "l") for i in range(200)]
    first, second = split_task("s", rows), split_task("s", list(reversed(rows)))
    assert sorted(first.pool) == sorted(second.pool)
    assert not set(first.pool) & set(first.held_out)
    assert len(first.pool) + len(first.held_out) == 200
    assert 60 < len(first.pool) < 140


def test_learning_curve_on_separable_synthetic_data_learns() -> None:
    """The real learned model on texts whose label is in a keyword: more decisions,
    better held-out accuracy, in both arms."""
    rng = random.Random(3)
    words = {"billing": "invoice", "login": "password", "delivery": "parcel"}
    filler = ["please", "help", "today", "again", "my", "the", "still", "why", "order"]

    def row(i: int) -> tuple[str, str, str]:
        label = list(words)[i % 3]
        text = " ".join([*rng.sample(filler, 4), words[label], str(i)])
        return (f"r{i}", text, label)

    task = split_task("synthetic", [row(i) for i in range(600)])
    curve = learning_curve(task, seeds=(1,), checkpoints=(20, 120), batch=20)
    for arm in ("queue", "random"):
        assert curve[arm][120][0] > 0.9
        assert curve[arm][120][0] >= curve[arm][20][0]


def test_unknown_arm_is_an_error() -> None:
    with pytest.raises(ValueError, match="queue, random"):
        simulate(_task(), "priority", seed=1)
