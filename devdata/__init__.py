"""Data for development, never shipped: the demo deal (`manage.py loaddemo`, what
`make run` shows), the demo accounts, the suggestions' evaluation on the demo, and
the synthetic archive `make bench` measures (`manage.py generate_archive`).

A Django app next to `dealtracker/`, not inside it: the production package
(pyproject's package discovery takes `dealtracker*` only) leaves it out, and
settings install it only when it can be imported, as in a checkout.
"""
