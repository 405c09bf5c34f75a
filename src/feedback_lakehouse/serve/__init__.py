"""`feedback serve`: the workspace, a local web app over the built DuckDB marts.

Pages read the marts through a read-only connection opened per request (so a `dbt build`
can write between requests) and show masked text only; the one write is a review
decision, dropped as a CSV into the landing folder exactly as `feedback review import`
does, so the next build applies it.
"""
