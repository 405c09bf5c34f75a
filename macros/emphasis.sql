{#- Emphasis read from a record's text as written. Texts are enriched once per text_hash
    (normalize_text drops case, punctuation and emoji), so "app crashes" and
    "APP CRASHES!!! 😡" share one answer; these macros read what the hash dropped, per
    record. Length/replace arithmetic and patterns RE2 (DuckDB) and Java (Databricks)
    both accept. -#}

{#- The number of matches of a pattern: each match becomes one "~" (after dropping the
    text's own "~"), then the "~" are counted. -#}
{% macro regex_count(expression, pattern) -%}
    {%- set marked = feedback_lakehouse.regex_replace(
        "replace(" ~ expression ~ ", '~', '')", pattern, '~'
    ) -%}
    (length({{ marked }}) - length(replace({{ marked }}, '~', '')))
{%- endmacro %}

{#- 0 .. 0.55: 0.05 per "!" (at most 0.2), 0.05 per word in CAPITALS of two or more
    letters (at most 0.15), 0.1 per emoji (at most 0.2); 0 for a null text (least()
    skips nulls, so the text is coalesced first). -#}
{% macro emphasis_score(expression) -%}
    {%- set text = 'coalesce(' ~ expression ~ ", '')" -%}
    (
        least(0.2, 0.05 * (length({{ text }}) - length(replace({{ text }}, '!', ''))))
        + least(0.15, 0.05 * {{ feedback_lakehouse.regex_count(text, '\\b[A-Z]{2,}\\b') }})
        + least(0.2, 0.1 * {{ feedback_lakehouse.regex_count(
            text, '[\\x{1F300}-\\x{1FAFF}\\x{2600}-\\x{27BF}]'
        ) }})
    )
{%- endmacro %}

{#- True when the text presses for time as written: a run of three or more "!", or the
    word ASAP, urgent or urgently in any case. False for a null text. The offline
    provider's Python twin is cues.presses (the same rule, read by rules.pressed). -#}
{% macro emphasis_presses(expression) -%}
    coalesce(
        {{ feedback_lakehouse.regex_matches(expression, '!!!') }}
        or {{ feedback_lakehouse.regex_matches(
            'lower(' ~ expression ~ ')', '\\b(asap|urgent|urgently)\\b'
        ) }},
        false
    )
{%- endmacro %}
