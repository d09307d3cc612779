"""`{% url %}` for every template, answered by fast_reverse (dealtracker/db/url_templates.py).

Loaded as a builtin after Django's own tags (settings.TEMPLATES), so it replaces
theirs without a `{% load %}`: the same syntax, the same answers, the same errors.
"""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from dealtracker.db.url_templates import URLEnvironment, fast_reverse, url_environment

register = template.Library()


def request_url_environment(request: HttpRequest | None) -> URLEnvironment | None:
    """url_environment() of the request, read once (it is fixed for the request's
    lifetime), not once per link; None without a request (fast_reverse reads it)."""
    if request is None:
        return None
    environment = getattr(request, "_url_environment", None)
    if environment is None:
        environment = request._url_environment = url_environment()  # type: ignore[attr-defined]
    return environment


class FastURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        try:
            current_app = request.current_app  # type: ignore[union-attr]
        except AttributeError:
            try:
                current_app = request.resolver_match.namespace  # type: ignore[union-attr]
            except AttributeError:
                current_app = None
        environment = request_url_environment(request)
        url = ""
        try:
            url = fast_reverse(
                view_name,
                args=args,
                kwargs=kwargs,
                current_app=current_app,
                environment=environment,
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> FastURLNode:
    node = django_url(parser, token)
    node.__class__ = FastURLNode
    return node  # type: ignore[return-value]
