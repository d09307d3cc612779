"""`manage.py import_agreement FILE --deal SLUG`: a deal's agreement text from a file, with
clauses proposed from its numbered articles and paragraphs for an editor to review."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from dealtracker.claims.agreements import agreement_text_add, clause_proposals_create
from dealtracker.claims.models import AgreementText
from dealtracker.deals.models import Deal
from dealtracker.sources import services
from dealtracker.sources.documents import DOCUMENT_FORMATS
from dealtracker.sources.extract import ExtractError, extract, format_for_filename
from dealtracker.sources.models import Source


class Command(BaseCommand):
    help = (
        "Add a deal's agreement text from a PDF, Word, text, HTML or Markdown file and propose "
        "a clause for each numbered article or paragraph (1., 1.1, (a), Article 3 ...). "
        "Editors accept, edit or reject the proposals on /deals/<slug>/agreement/. "
        "The same file imported again proposes only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the agreement: .pdf, .docx, .txt, .html or .md")
        parser.add_argument("--deal", required=True, help="the deal's slug")
        parser.add_argument(
            "--role",
            default=AgreementText.Role.SIGNED_TEXT,
            choices=AgreementText.Role.values,
            help="what this text is to the deal (default: signed_text)",
        )
        parser.add_argument("--title", default="", help="the source's title (default: the file's)")
        parser.add_argument(
            "--language", default="", help="BCP 47 code (default: the file's, or en)"
        )
        parser.add_argument("--url", default="", help="where the text is published, if anywhere")

    def handle(
        self, *args, file: str, deal: str, role: str, title: str, language: str, url: str, **options
    ):
        try:
            the_deal = Deal.objects.get(slug=deal)
        except Deal.DoesNotExist:
            raise CommandError(f"no deal with the slug {deal!r}") from None
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            fmt = format_for_filename(path.name)
            source, created = self._source(
                data, fmt, path=path, title=title, language=language, url=url
            )
        except (ExtractError, ValidationError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(f"{path.name}: {message}") from None
        with transaction.atomic():
            agreement_text_add(deal=the_deal, source=source, role=role)
            proposals = clause_proposals_create(deal=the_deal, source=source)
        pages = source.revisions.current().page_starts
        self.stdout.write(
            f"{'Added' if created else 'Already here:'} source {source.pk} “{source.title}”"
            + (f", {len(pages)} pages" if pages else "")
            + f", as the {AgreementText.Role(role).label} of {the_deal.title}."
        )
        self.stdout.write(
            f"{len(proposals)} clause{'s' if len(proposals) != 1 else ''} proposed; review them at "
            f"{reverse('desk:deal-agreement', kwargs={'slug': the_deal.slug})}#proposals"
        )

    def _source(self, data: bytes, fmt: str, *, path: Path, title: str, language: str, url: str):
        import hashlib

        if fmt in DOCUMENT_FORMATS:
            same = services.source_for_document(sha256=hashlib.sha256(data).hexdigest())
            if same is not None:
                return same, False
        extracted = extract(data, fmt, limits=services.document_limits())
        document = None
        if fmt in DOCUMENT_FORMATS:
            document = services.document_store(
                data=data, filename=path.name, fmt=fmt, page_count=extracted.page_count
            )
        try:
            source = services.source_create(
                text=extracted.text,
                title=title or extracted.title or path.stem.replace("_", " ").replace("-", " "),
                kind=Source.Kind.AGREEMENT_TEXT,
                author=extracted.author,
                url=url or extracted.url,
                language=language or extracted.language or "en",
                document=document,
                page_starts=list(extracted.page_starts),
                by=None,
            )
        except services.DuplicateSource as exc:
            if exc.duplicate.kind != services.DuplicateKind.SAME:
                raise CommandError(exc.duplicate.message) from None
            return exc.duplicate.source, False
        return source, True
