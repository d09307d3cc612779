"""`{% with_context page.context %}...{% endwith_context %}`: the names of a mapping
available inside the block, the mapping read only when the block renders.

The pages kept by `{% cache %}` (dealtracker/desk/fragments.py) put their context
here, inside the cached fragment, so that a fragment served from the cache never
builds it and runs none of its queries.
"""

from __future__ import annotations

from django import template

register = template.Library()


class WithContextNode(template.Node):
    def __init__(self, mapping: template.base.FilterExpression, nodelist: template.NodeList):
        self.mapping = mapping
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        values = self.mapping.resolve(context)
        with context.push(**values):
            return self.nodelist.render(context)


@register.tag
def with_context(parser: template.base.Parser, token: template.base.Token) -> WithContextNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes one mapping: {{% {bits[0]} page.context %}}"
        )
    nodelist = parser.parse(("endwith_context",))
    parser.delete_first_token()
    return WithContextNode(parser.compile_filter(bits[1]), nodelist)
