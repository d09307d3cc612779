"""Full-text and name search.

`sql` (the functions and triggers the migrations install) and `fulltext` (match,
rank and check a web-search text) know no app: the domain apps' queries use
them. `site` is the header's search across clauses, claims, sources, passages and
parties; it knows those apps and only the pages use it.
"""
