"""Every form of the desk and the read API, one module per family of pages:

- annotate: the claim editor, evidence links, verification, passage notes
- lists: the claims list, search, deals and parties filters (the API's lists use them too)
- sources: adding and revising a source, the sources list's filters
- api: the read API's filters of lists no page has (phases, clauses, assessments)
- records, pages, publishing: the forms of those views

The admin's own forms stay with their admin classes.
"""
