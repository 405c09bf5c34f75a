{#- The spam rule's signals: name, the weight var, and the pattern matched on the masked
    text (lower-cased unless `cased`). Scored by spam_score, named by spam_reason. A link
    alone (weight 2) stays under the default threshold (3): it takes a promotional
    signal beside it. Words commonly written by real customers were left out after
    measuring on half A of the real data sets: '% off' (sale prices in clothing
    reviews), 'crypto'/'bitcoin' (banking customers buy it), 'jackpot' ("hit the
    jackpot"); words match whole ('cialis' is not in 'specialist'). A link carrying a
    token is masked to <URL> before the rule reads the text: it counts as a link. No
    backslashes in the patterns: they must read alike on DuckDB and Spark. -#}
{% macro spam_signals() -%}
    {{ return([
        {
            'name': 'link',
            'weight': var('spam_weight_link'),
            'cased': false,
            'pattern': '(<url>|https?://|www[.]|[a-z0-9-]+[.](com|net|org|io|biz|info|xyz|top|ru|example)(/|[^a-z]|$))',
        },
        {
            'name': 'money_offer',
            'weight': var('spam_weight_promo'),
            'cased': false,
            'pattern': '(^|[^a-z])((earn|make|win|won|get|claim|receive) [$€£]?[0-9][0-9,]{2,}|[$€£][0-9][0-9,]* (a|per|each) (day|week|month|hour)|free (money|cash|gift|bitcoin|crypto))',
        },
        {
            'name': 'call_to_action',
            'weight': var('spam_weight_promo'),
            'cased': false,
            'pattern': '(^|[^a-z])(click here|click the link|click below|buy now|order now|act now|limited time offer|sign up now|dm me|whatsapp me|telegram|promo code|use code|visit (my|our) (site|website|page|shop|store))([^a-z]|$)',
        },
        {
            'name': 'spam_goods',
            'weight': var('spam_weight_promo'),
            'cased': false,
            'pattern': '(^|[^a-z])(giveaway|casino|viagra|cialis|replica|followers|no prescription|(work|earn|money) from home|lottery|forex|get rich)([^a-z]|$)',
        },
        {
            'name': 'shouting',
            'weight': var('spam_weight_shouting'),
            'cased': true,
            'pattern': '([A-Z]{2,} [A-Z]{2,} [A-Z]{2,}|!!!)',
        },
    ]) }}
{%- endmacro %}
