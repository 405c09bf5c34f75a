-- One row per (held-out gold label, enrichment of its text): what a person said beside
-- what each provider, model, prompt version and taxonomy version said. The gold category
-- is mapped into the enrichment's own taxonomy version (the label itself, the seed
-- taxonomy_mapping for an older taxonomy version's same/merge rows, or the seed
-- gold_label_mapping for another scheme, matched whatever the case and spacing); null
-- when nothing maps it. For the cascade provider, cascade_side says which side answered
-- (its rationale prefix).
-- needs_review applies the review threshold in force, as int_feedback__status does:
-- int_eval__confidence_thresholds' threshold_in_force (measured on the calibration split
-- of gold labels), else the var review_confidence_threshold.
{{ feedback_lakehouse.eval_gold_pairs(
    'test',
    "coalesce(thresholds.threshold_in_force, " ~ var('review_confidence_threshold') ~ ")",
    with_measured_thresholds=true,
) }}
