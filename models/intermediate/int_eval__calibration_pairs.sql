-- The gold pairs of the calibration split (int_gold_labels: half of the helpdesk tickets'
-- tags, or gold a user marked calibration), as int_eval__pairs has them for the test
-- split. The review threshold is measured on these (int_eval__confidence_thresholds), so
-- needs_review here is the review rules other than the confidence threshold (threshold
-- -1): an item is sent to review at threshold t when needs_review or confidence < t.
{{ feedback_lakehouse.eval_gold_pairs('calibration', '-1') }}
