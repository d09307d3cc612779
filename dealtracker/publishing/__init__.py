"""What the newsroom's published work carries out of the desk: citations of deals,
clauses and claims, and chart images rendered from the same SVG as the pages.

Pure functions, no ORM: the pages (dealtracker/desk) gather the facts and hand
them over. Nothing in the domain apps imports this package.
"""
