"""Issue 19's analytics on synthetic marts where the right answer is known: the quotes
are the issue's central texts (not the first ones), the offline digest covers the
issue's sub-problems, the LLM digest is a map-reduce over every text (the real openai
SDK against the fake server) and is cached, and a theme planted to lower the rating by
one point comes out near -1 with a confidence interval that covers it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from feedback_devtools.fakellm import Reply
from feedback_lakehouse.reporting import issue_digest_llm
from feedback_lakehouse.reporting.impact import fit_impact
from feedback_lakehouse.reporting.issue_insight import (
    InsightError,
    issue_digest,
    representative_quotes,
    theme_impact,
)

COLUMNS = (
    "feedback_id varchar, source varchar, product_sku varchar, created_at timestamp, "
    "sentiment varchar, masked_text varchar, text_hash varchar, main_category varchar, "
    "secondary_categories varchar, rating_normalized double, is_spam boolean, "
    "is_empty boolean, suggested_owner varchar"
)
START = datetime(2026, 11, 1)


def _marts(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"create table main.fct_feedback_reporting ({COLUMNS})")
    _insert(con, rows)
    return con


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    frame = pd.DataFrame(
        {
            "feedback_id": [r["id"] for r in rows],
            "source": [r.get("source", "shop") for r in rows],
            "product_sku": [r.get("sku") for r in rows],
            "created_at": [START + timedelta(hours=r.get("hour", 0)) for r in rows],
            "sentiment": [r.get("sentiment", "negative") for r in rows],
            "masked_text": [r["text"] for r in rows],
            "text_hash": [r.get("hash", f"h-{r['id']}") for r in rows],
            "main_category": [r["category"] for r in rows],
            "secondary_categories": [r.get("secondary") for r in rows],
            "rating_normalized": [r.get("rating") for r in rows],
            "is_spam": [r.get("spam", False) for r in rows],
            "is_empty": [False] * len(rows),
            "suggested_owner": ["ops"] * len(rows),
        }
    )
    con.register("new_rows", frame)
    con.execute("insert into main.fct_feedback_reporting select * from new_rows")
    con.unregister("new_rows")


# ---------------------------------------------------------------------------- quotes
CORE = [
    "the parcel arrived late and the courier tracking never updated",
    "courier was late again, parcel tracking stuck for days",
    "my parcel arrived two weeks late, tracking said delivered",
    "late parcel, courier ignored the tracking number",
    "tracking never updated and the parcel came late",
]
OUTLIERS = [
    "I love the colour of the box it came in",
    "Do you sell gift cards in Canada?",
    "My cat sat on the keyboard while ordering",
    "Nice font on the website",
]


def _quote_rows() -> list[dict]:
    # the off-topic texts come first by every order (id, hour, insertion)
    rows = [
        {"id": f"a{i:03d}", "text": text, "category": "delivery_delay", "hour": i}
        for i, text in enumerate(OUTLIERS)
    ]
    for i in range(40):
        text = CORE[i % len(CORE)]
        if i >= len(CORE):
            text = text.upper() + "!!" if i % 2 else text + " ..."
        rows.append(
            {"id": f"z{i:03d}", "text": text, "category": "delivery_delay", "hour": 100 + i}
        )
    rows.append({"id": "b001", "text": "card charged twice", "category": "billing"})
    return rows


def test_quotes_are_the_central_texts_not_the_first_ones() -> None:
    con = _marts(_quote_rows())
    quotes = representative_quotes(con, "delivery_delay", k=3)
    texts = [q["text"] for q in quotes]
    assert len(texts) == 3
    assert not set(texts) & set(OUTLIERS)
    assert all("parcel" in t.lower() or "tracking" in t.lower() for t in texts)
    # de-duplicated: no two quotes are the same text up to case and punctuation
    normalised = {
        " ".join("".join(c for c in t.lower() if c.isalnum() or c == " ").split()) for t in texts
    }
    assert len(normalised) == 3
    assert [q["centrality"] for q in quotes] == sorted(
        (q["centrality"] for q in quotes), reverse=True
    )
    assert set(quotes[0]) >= {"feedback_id", "source", "created_at", "sentiment", "text"}


def test_quotes_follow_the_filter_and_skip_spam() -> None:
    rows = _quote_rows()
    rows.append({"id": "s1", "text": CORE[0], "category": "delivery_delay", "source": "app"})
    rows.append({"id": "s2", "text": CORE[1], "category": "delivery_delay", "source": "app",
                 "spam": True})  # fmt: skip
    con = _marts(rows)
    quotes = representative_quotes(con, "delivery_delay", "source = ?", ["app"], k=5)
    assert [q["feedback_id"] for q in quotes] == ["s1"]


def test_a_bad_filter_says_what_to_fix() -> None:
    con = _marts(_quote_rows())
    with pytest.raises(InsightError, match="where_sql.*no_such_column"):
        representative_quotes(con, "delivery_delay", "no_such_column = ?", ["x"])


# ---------------------------------------------------------------------------- digest
def _digest_rows() -> list[dict]:
    refund = "The refund for my returned order never arrived in my account."
    twice = "My card was charged twice for a single order."
    rows = []
    for i in range(30):
        rows.append({"id": f"r{i:02d}", "text": f"{refund} Order {i}.", "category": "billing"})
    for i in range(20):
        rows.append({"id": f"t{i:02d}", "text": f"{twice} Ref {i}.", "category": "billing"})
    rows.append(
        {"id": "x1", "text": "Nice shoes, would buy again from you.", "category": "billing"}
    )
    return rows


def test_offline_digest_covers_both_sub_problems_without_repeating() -> None:
    con = _marts(_digest_rows())
    digest = issue_digest(con, "billing")
    assert digest["method"] == "extractive"
    assert digest["n_texts"] == 51
    assert not digest["cached"]
    text = digest["text"].lower()
    assert "refund" in text and "charged twice" in text
    assert text.count("refund") == 1 and text.count("charged twice") == 1
    assert len(digest["ids"]) == len(digest["sentences"]) >= 2


def test_llm_digest_is_a_map_reduce_over_every_text_and_is_cached(
    make_llm, fake_llm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(issue_digest_llm, "CHUNK_CHARS", 1200)
    rows = _digest_rows()
    con = _marts(rows)
    provider = make_llm("openai")
    fake_llm.script_for("partial summaries covering", Reply.raw("final"), Reply.raw("newer"))
    fake_llm.script_for("customer texts (part", *[Reply.raw(f"partial {i}") for i in range(40)])
    cache = tmp_path / "digest.sqlite"
    digest = issue_digest(con, "billing", provider=provider, cache_path=str(cache))
    assert (digest["method"], digest["text"], digest["cached"]) == ("llm", "final", False)
    assert digest["n_texts"] == len(rows)
    bodies = [r.raw_body for r in fake_llm.requests]
    maps = [b for b in bodies if "customer texts (part" in b]
    assert len(maps) >= 2 and len(bodies) == len(maps) + 1 == digest["calls"]
    for row in rows:  # every text went to exactly one map request
        assert sum(row["text"] in b for b in maps) == 1
    assert all(f"partial {i}" in bodies[-1] for i in range(len(maps)))
    again = issue_digest(con, "billing", provider=provider, cache_path=str(cache))
    assert (again["text"], again["cached"]) == ("final", True)
    assert fake_llm.calls == len(bodies)  # the cache answered
    _insert(
        con, [{"id": "new", "text": "Refund still missing after a month.", "category": "billing"}]
    )
    fresh = issue_digest(con, "billing", provider=provider, cache_path=str(cache))
    assert (fresh["text"], fresh["cached"]) == ("newer", False)
    assert "Refund still missing" in fake_llm.bodies_text()


def test_llm_failure_falls_back_to_extractive_and_says_why(make_llm, fake_llm) -> None:
    con = _marts(_digest_rows())
    fake_llm.script(Reply.server_error(400, "model overloaded"))
    digest = issue_digest(con, "billing", provider=make_llm("openai", max_retries=0))
    assert digest["method"] == "extractive"
    assert "model overloaded" in digest["error"]
    assert "refund" in digest["text"].lower()


# ---------------------------------------------------------------------------- impact
def _impact_records(seed: int = 3, n: int = 4000) -> list[dict]:
    rng = random.Random(seed)
    effects = {"product_defect": -1.0, "pricing": -0.3, "praise": 0.8}
    base = {"shop": 3.6, "nps_survey": 3.0}
    rows = []
    for i in range(n):
        source = rng.choice(list(base))
        main = rng.choice([*effects, "unknown", "other"])
        secondary = rng.choice(list(effects)) if rng.random() < 0.3 else None
        labels = {main} | ({secondary} if secondary else set())
        rating = base[source] + sum(effects.get(c, 0.0) for c in labels) + rng.gauss(0, 0.7)
        sku = rng.choice(["SKU-1", "SKU-2"])
        rows.append({"id": f"f{i}", "text": "t", "category": main, "secondary": secondary,
                     "source": source, "rating": rating, "sku": sku})  # fmt: skip
    for i in range(8):  # a rare theme: estimated, but flagged
        rows.append({"id": f"rare{i}", "text": "t", "category": "packaging", "rating": 3.0 + i % 3})
    for i in range(5):  # a theme no rated record carries: listed, not hidden
        rows.append({"id": f"unrated{i}", "text": "t", "category": "app_performance",
                     "source": "helpdesk"})  # fmt: skip
    return rows


def test_a_planted_theme_comes_out_near_its_true_effect_with_a_covering_ci() -> None:
    con = _marts(_impact_records())
    rows = {r["category_id"]: r for r in theme_impact(con)}
    for category, true in (("product_defect", -1.0), ("pricing", -0.3), ("praise", 0.8)):
        row = rows[category]
        assert row["ci_low"] <= true <= row["ci_high"], row
        assert abs(row["effect"] - true) < 0.1, row
        assert row["ci_high"] - row["ci_low"] < 0.3, row
        assert row["is_reliable"]
    assert rows["product_defect"]["worth_points"] == pytest.approx(1.0, abs=0.1)
    assert rows["product_defect"]["effect_nps_points"] == pytest.approx(-2.5, abs=0.25)
    assert theme_impact(con)[0]["category_id"] == "product_defect"  # most harmful first
    assert rows["packaging"]["n_rated"] == 8 and not rows["packaging"]["is_reliable"]
    assert "too few rated records: 8 < 30" in rows["packaging"]["note"]
    assert rows["app_performance"]["effect"] is None
    assert rows["app_performance"]["n_records"] == 5
    assert rows["unknown"]["note"].startswith("the baseline")


def test_the_same_numbers_per_product() -> None:
    con = _marts(_impact_records(n=6000))
    rows = {r["category_id"]: r for r in theme_impact(con, "product_sku = ?", ["SKU-2"])}
    row = rows["product_defect"]
    assert row["ci_low"] <= -1.0 <= row["ci_high"], row
    assert row["n_rated"] < 6000 * 0.4


def test_without_baseline_records_the_reference_is_named() -> None:
    records = [("shop", {"a"}, 4.0 + (i % 3) * 0.1) for i in range(50)]
    records += [("shop", {"b"}, 3.0 + (i % 3) * 0.1) for i in range(40)]
    rows = {r["category_id"]: r for r in fit_impact(records)}
    assert rows["a"]["baseline"] == "reference category a"
    assert rows["b"]["effect"] == pytest.approx(-1.0, abs=0.01)


def test_counted_combinations_give_the_same_fit_as_every_record() -> None:
    """theme_impact reads distinct (source, labels, rating) with a count; the weighted
    fit, intervals included, must equal the fit over the records one by one."""
    grouped = [
        ("shop", {"unknown"}, 4.5, 30),
        ("shop", {"unknown"}, 3.5, 10),
        ("shop", {"a"}, 3.0, 25),
        ("shop", {"a"}, 4.0, 5),
        ("shop", {"a", "b"}, 2.0, 12),
        ("appstore", {"b"}, 3.0, 20),
        ("appstore", {"unknown"}, 4.0, 15),
        ("appstore", {"b"}, 1.0, 6),
    ]
    expanded = [(s, labels, rating) for s, labels, rating, n in grouped for _ in range(n)]
    assert fit_impact(grouped) == fit_impact(expanded)
    assert {r["category_id"]: r["n_rated"] for r in fit_impact(grouped)}["a"] == 42


def test_the_workspace_digest_is_the_llm_map_reduce_when_serve_names_a_provider(
    make_llm, fake_llm
) -> None:
    from feedback_lakehouse.serve import insight_adapter

    con = _marts(_digest_rows())
    fake_llm.script_for("partial summaries covering", Reply.raw("the summary"))
    fake_llm.script_for("customer texts (part", *[Reply.raw(f"partial {i}") for i in range(40)])
    digest = insight_adapter.issue_digest(con, "billing", "", [], provider=make_llm("openai"))
    # all texts fit one map request here: its answer is the digest
    assert (digest["method"], digest["text"]) == ("llm", "partial 0")
    assert fake_llm.calls == digest["calls"] == 1
    assert insight_adapter.issue_digest(con, "billing", "", [])["method"] == "extractive"


def test_serve_with_an_llm_digest_and_no_settings_says_which_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from feedback_lakehouse.cli import main

    for name in ("OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    result = CliRunner().invoke(
        main, ["serve", "--db", str(db), "--digest-provider", "openai", "--port", "1"]
    )
    assert result.exit_code != 0
    assert "--digest-provider openai" in result.output and "OPENAI_MODEL" in result.output
