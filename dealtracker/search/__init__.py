"""The header's search across clauses, claims, sources, passages and parties.

`site` knows those apps and only the pages use it; the matching underneath is
dealtracker/fulltext, which knows no app.
"""
