"""The offline provider: lexicon sentiment, taxonomy matcher, rules."""
