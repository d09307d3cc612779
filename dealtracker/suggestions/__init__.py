"""Suggested passages: sentences of a source the desk proposes for claims.

Knows deals, sources and the claims' vocabulary; only the desk imports it.
The rules are plain (rules.py, sentences.py), the matching is PostgreSQL's
full-text search and pg_trgm (matching.py); engine.py ranks, services.py
stores them per revision and keeps each editor decision (accepted,
dismissed) across visits and revisions.
"""
