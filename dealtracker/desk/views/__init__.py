"""The desk's pages and HTMX endpoints, one module per area:

- site: health check, favicon and error pages
- reading: what journalists browse (deals, phases, clauses, claims, parties, sources, search, exports)
- editing: what editors do (sources, passages, claims, evidence, revisions, history)
- records: the implementation record (assessments, roll-ups, deadlines, slipping)
"""
