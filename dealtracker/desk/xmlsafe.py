"""XML 1.0 cannot carry most control characters; a party name pasted with one in
it must not turn a feed into a 500. The feed generator here drops them."""

from __future__ import annotations

import re

from django.utils.feedgenerator import Atom1Feed

# Characters XML 1.0 forbids (C0 controls except tab, newline and carriage return;
# lone surrogates; U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """`value` without the characters XML 1.0 forbids (non-strings pass through)."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, (list, tuple)):
        return type(value)(xml_safe(v) for v in value)
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom1Feed that drops XML-forbidden characters from every text it is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *(xml_safe(a) for a in args), **{k: xml_safe(v) for k, v in kwargs.items()}
        )

    def add_item(self, *args, **kwargs):
        super().add_item(
            *(xml_safe(a) for a in args), **{k: xml_safe(v) for k, v in kwargs.items()}
        )
