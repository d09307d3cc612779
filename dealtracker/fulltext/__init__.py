"""Full-text matching under the domain apps: it knows no model.

`sql` holds the functions and triggers the migrations install (each row's
vector under its own language's configuration); `matching` matches, ranks and
checks a web-search text against those vectors. The domain apps' queries and
the site search (dealtracker/search) use them; they import no app.
"""
