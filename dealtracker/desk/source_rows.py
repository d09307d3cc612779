"""The sources list's rows (/sources/), drawn in Python for the reason claim_rows.py
gives: 25 sources a page, each with a link, up to two badges, four cells that may be
empty, a date and two counts, were about a fifth of the list's time through the
template engine (the same share on every filter of the list). Every value is escaped by
format_html; dates go through Django's `date` filter and numbers through `localize`, as
the template's did, so the row reads the same.
"""

from __future__ import annotations

import datetime as dt

from django.template.defaultfilters import date
from django.utils.formats import localize
from django.utils.safestring import SafeString

from dealtracker.db.url_templates import URLEnvironment, fast_reverse
from dealtracker.desk.escaping import format_html
from dealtracker.sources.models import Source

_EMPTY = ' class="is-empty"'


def source_row_html(
    source: Source, *, can_edit: bool, urls: URLEnvironment | None = None
) -> SafeString:
    """The source as a `<tr>` of the sources table (each cell labelled for the narrow
    layout), with the whitespace the table's loop puts around it. `source` comes from
    sources_with_counts() (its passage, revision and review counts) with its
    duplicate_of selected."""
    review = ""
    if source.review_count and can_edit:
        review = format_html(
            '<span class="badge src-review">{} to review</span>', localize(source.review_count)
        )
    copy = ""
    if source.duplicate_of:
        original = source.duplicate_of
        copy = format_html(
            '<span class="badge src-copy">copy of <a href="{}"><bdi>{}</bdi></a></span>',
            fast_reverse("desk:source-detail", (original.pk,), environment=urls),
            original.title,
        )
    return format_html(
        '\n    <tr class="src-row">\n'
        '      <th scope="row" class="col-source">\n'
        '        <a class="src-title" href="{}" lang="{}" dir="{}">{}</a>\n'
        "        {}\n"
        "        {}\n"
        "      </th>\n"
        '      <td data-label="Kind">{}</td>\n'
        '      <td data-label="Outlet"{}>{}</td>\n'
        '      <td data-label="Author"{}>{}</td>\n'
        '      <td data-label="Published"{}>{}</td>\n'
        '      <td data-label="Language"><span lang="en">{}</span></td>\n'
        '      <td data-label="Passages" class="num">{}</td>\n'
        '      <td data-label="Revisions" class="num">{}</td>\n'
        "    </tr>\n    ",
        fast_reverse("desk:source-detail", (source.pk,), environment=urls),
        source.language,
        "rtl" if source.is_rtl else "auto",
        source.title,
        SafeString(review),
        SafeString(copy),
        source.get_kind_display(),
        *maybe_empty(source.outlet),
        *maybe_empty(source.author),
        SafeString("" if source.published_on else _EMPTY),
        published_html(source.published_on),
        source.language,
        localize(source.passage_count),
        localize(source.revision_count or 1),
    )


def maybe_empty(text: str) -> tuple[SafeString, SafeString]:
    """A cell's class and content: the text isolated, or a dash in a cell marked empty."""
    if text:
        return SafeString(""), format_html("<bdi>{}</bdi>", text)
    return SafeString(_EMPTY), SafeString("—")


def published_html(day: dt.date | None) -> SafeString:
    """The day a source was published as a `<time>`, or a dash when it is not known."""
    if not day:
        return SafeString("—")
    return format_html('<time datetime="{}">{}</time>', date(day, "Y-m-d"), date(day, "j M Y"))
