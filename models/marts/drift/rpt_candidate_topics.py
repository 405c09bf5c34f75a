"""Candidate new categories: clusters of the texts the taxonomy labels other/unknown."""


def model(dbt, session):
    dbt.config(materialized="table")
    from feedback_lakehouse.reporting.discovery import candidate_topics_model

    # dbt hands a Python model only the config keys its own file names
    settings = {
        "discovery_max_topics": dbt.config.get("discovery_max_topics"),
        "discovery_min_topic_size": dbt.config.get("discovery_min_topic_size"),
    }
    return candidate_topics_model(settings, dbt.ref("fct_feedback_reporting"))
