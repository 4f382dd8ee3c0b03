"""The database is the source of truth; the Whoosh index is derived from these tables."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify


def web_url(url: str) -> str:
    """``url`` if it is an http(s) address, else '': a ``javascript:``, ``vbscript:`` or ``data:`` link is
    never stored or rendered as a link."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def unique_slug(model: type[Source] | type[Person], name: str) -> str:
    """A slug for ``name`` that no row of ``model`` has yet."""
    base = slugify(name)[:180] or model.__name__.lower()
    slug, number = base, 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


class Source(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    # Attribution shown in the page footer while this source's articles are loaded (licence credit).
    notice = models.TextField(blank=True)
    # Set when a curator merged this source into another: ingest then files its articles there too.
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_sources")
    # Inline furniture learned from the source's repetition (search/ingest/inline.py, Furniture.as_json):
    # the keys of the recurring word runs that were cut and how its name cards close, so an article
    # stored later is cut the same way.
    inline_furniture = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:200] or "source"
        super().save(*args, **kwargs)


class Person(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    # Set by a curator when extraction took something else for a person: its mentions stop counting.
    not_a_person = models.BooleanField(default=False, help_text="Its mentions are kept but not indexed or counted.")
    # Ingest names a person by the full form its mentions use most ("Donald Trump", not "Donald J.
    # Trump"); once a curator has chosen the name, it stays.
    name_curated = models.BooleanField(default=False, help_text="Chosen by a curator: ingest keeps it instead of the most used form.")
    # Set when a curator marks it a person or not: the archive's rules (ingest.things) leave that as it is.
    kind_curated = models.BooleanField(default=False, help_text="A curator said whether this is a person: the rules keep that.")

    class Meta:
        ordering = ["name"]
        # Every searched word is looked up as a person's name ("Bibi" → Netanyahu): with this index that
        # is a lookup, not a scan of the whole table (14 ms a search with 65k persons).
        indexes = [models.Index(Lower("name"), name="search_person_name_lower")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:200] or "person"
        super().save(*args, **kwargs)


class PersonRedirect(models.Model):
    """The slug of a person merged into another: a bookmarked search or link by that slug still leads
    to the surviving person (removed again if a split gives the slug back to a person of its own)."""

    slug = models.SlugField(max_length=200, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="former_slugs")

    def __str__(self) -> str:
        return f"{self.slug} → {self.person_id}"


class RejectedMerge(models.Model):
    """A curator's answer that two persons are different humans: never suggested as a merge again."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="unique_rejected_merge")]

    def __str__(self) -> str:
        return f"{self.first} ≠ {self.second}"


class Alias(models.Model):
    """Another name under which a person is mentioned ("Bibi" for Benjamin Netanyahu)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    # Identity across re-ingests: the URL when there is one, else a hash of source, title and text.
    key = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles", null=True, blank=True)
    # The source an article had before a merge moved it, so that the merge can be undone.
    original_source = models.ForeignKey(Source, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    published = models.DateField(null=True, blank=True, db_index=True)
    byline = models.CharField(max_length=500, blank=True)
    raw_text = models.TextField()
    content_hash = models.CharField(max_length=64)
    ingested_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published", "id"]

    def __str__(self) -> str:
        return self.title or f"Article {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("search:article", args=[self.pk])

    @property
    def original_url(self) -> str:
        """The article's address if it is one a browser may follow (rows stored before ingest checked)."""
        return web_url(self.url)


class Paragraph(models.Model):
    # A curator's decision, which outlives re-ingest and is never overridden by heuristics or rules.
    CURATED_ASIDE = "curated"
    CURATED_KEPT = "kept by a curator"
    CURATED = (CURATED_ASIDE, CURATED_KEPT)

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField()
    text = models.TextField(help_text="As indexed and shown: inline furniture cut.")
    # The paragraph as written, when inline furniture was cut from ``text`` (blank: nothing was cut).
    raw = models.TextField(blank=True)
    # For finding the same paragraph in other articles of a source (repeated boilerplate): of the text as written.
    text_hash = models.CharField(max_length=40, db_index=True, blank=True)
    is_boilerplate = models.BooleanField(default=False, db_index=True)
    boilerplate_reason = models.CharField(max_length=100, blank=True)
    # The curated rule that set it aside, so that removing one rule undoes that rule alone.
    rule = models.ForeignKey("BoilerplateRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="paragraphs")
    # Its copy family (wire copy, syndication, press releases: the same paragraph in other articles,
    # exactly or nearly): the id of the family's first stored paragraph; null while no copy is known
    # (search/ingest/copies.py).
    family = models.IntegerField(null=True, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["article", "position"]
        constraints = [models.UniqueConstraint(fields=["article", "position"], name="unique_paragraph_position")]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.position} {self.text[:60]}"

    @property
    def written(self) -> str:
        """The paragraph as the article has it, inline furniture and all."""
        return self.raw or self.text


class CopyBand(models.Model):
    """One band of a paragraph's MinHash signature, hashed: paragraphs that share a band are
    candidate copies (locality-sensitive hashing, search/ingest/copies.py). Kept for the first
    paragraph of each family and for paragraphs with no copy yet, so a bucket holds about one
    paragraph per family however large the family grows."""

    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="copy_bands")
    key = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} → {self.paragraph_id}"


class Mention(models.Model):
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="mentions")
    # Indexed with the text and paragraph below: a person's name forms are counted from that index alone.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mentions", db_index=False)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=200)
    # The name ingest resolved the mention to (its fullest form in the article: "Trump" → "Donald J. Trump"),
    # kept through merges so that splitting that name off again takes back exactly its mentions.
    name = models.CharField(max_length=200, blank=True, db_index=True)
    # The paragraph gives the person's words (a quote, reported speech): ingest.speakers, docs/SPEAKERS.md.
    speaker = models.BooleanField(default=False)

    class Meta:
        ordering = ["paragraph", "start"]
        indexes = [models.Index(fields=["person", "text", "paragraph"], name="mention_person_text")]

    def __str__(self) -> str:
        return f"{self.text} → {self.person}"


class UnresolvedMention(models.Model):
    """A name the article's ingest found but could not give to anyone yet: a lone surname ("Obama")
    before the archive knew a person of it, a headline's full name no sentence confirmed. Kept so that
    a person met later takes it (ingest.unresolved, at the end of every run and in ``persons_resolve``):
    the persons an article ends with do not depend on the order the files came in."""

    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="unresolved_mentions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=200)
    name = models.CharField(max_length=200, db_index=True)
    speaker = models.BooleanField(default=False)

    class Meta:
        ordering = ["paragraph", "start"]

    def __str__(self) -> str:
        return f"{self.text} (no one yet)"


class BoilerplateRule(models.Model):
    """A curated rule: paragraphs of a source (or of every source) that are boilerplate."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="boilerplate_rules", null=True, blank=True)
    pattern = models.CharField(max_length=500, help_text="Exact paragraph text, or a regular expression when 'is regex' is set.")
    is_regex = models.BooleanField(default=False)
    reason = models.CharField(max_length=100, default="curated rule")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source__name", "pattern"]

    def __str__(self) -> str:
        return f"{self.source or 'all sources'}: {self.pattern[:60]}"


class BoilerplateModel(models.Model):
    """The learned boilerplate layer fitted on this archive (search/ingest/learned.py): the newest one is used.

    Numbers, not a pickle: its trees are arrays read back without running code (a pickle from the database
    would run whatever it holds), and each paragraph it sets aside can say which of its features weighed
    most (docs/BOILERPLATE.md).
    """

    fitted_at = models.DateTimeField(auto_now_add=True)
    articles = models.PositiveIntegerField(help_text="Articles in the archive when it was fitted.")
    paragraphs = models.PositiveIntegerField(help_text="Labelled paragraphs it was fitted on.")
    positives = models.PositiveIntegerField(help_text="Of those, boilerplate by the trusted layers.")
    threshold = models.FloatField()
    weights = models.JSONField(help_text="The features' names, the baseline and the trees' arrays.")
    report = models.TextField(blank=True)

    class Meta:
        ordering = ["-fitted_at", "-id"]
        get_latest_by = ["fitted_at", "id"]

    def __str__(self) -> str:
        return f"fitted {self.fitted_at:%Y-%m-%d %H:%M} on {self.articles} articles"


class IndexOutbox(models.Model):
    """An article whose paragraphs must be (re)written to the index or removed from it.

    Written in the same transaction as the change itself, applied after commit by whichever
    process gets Whoosh's writer lock; a crash leaves the row behind for the next writer.
    """

    article_id = models.BigIntegerField(db_index=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "pending index update"

    def __str__(self) -> str:
        return f"article {self.article_id}"


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class SavedSearch(models.Model):
    """A search a signed-in user keeps: its page's state, and the newest article they had seen when they
    last opened it, so that the saved-searches page tells how many paragraphs are new since."""

    QUERY_CHARS = 2000

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=200)
    query = models.CharField(max_length=QUERY_CHARS, help_text="The search page's query string, without the '?'.")
    seen_article_id = models.BigIntegerField(default=0, help_text="The newest article stored when the user last opened the search.")
    seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The secret of the search's private feed (/feeds/<token>.atom): a feed reader cannot sign in, so on an
    # archive behind a login (SEARCH_REQUIRE_LOGIN) the link itself is the credential; deleting revokes it.
    feed_token = models.CharField(max_length=64, unique=True, default=_feed_token, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "query"], name="one_saved_search_per_state")]

    def __str__(self) -> str:
        return self.name


class BatchJob(models.Model):
    """A list of names or queries searched one line at a time in the background (``search.batches``):
    each line's counts by source and month and its paragraphs, kept with the job. The lines done are
    in the database line by line, so a runner that stops (a restart, a crash) loses nothing: the next
    one takes the job over once its lease has run out and goes on from the first line not done."""

    MAX_LINES = 10_000
    NAMES, QUERIES = "names", "queries"
    KINDS = [
        (NAMES, "Names: each line is a person, found under any name or curated alias (like person:)"),
        (QUERIES, "Queries: each line is a search"),
    ]
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "queued"), (RUNNING, "running"), (DONE, "done"), (FAILED, "failed")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batch_jobs")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=KINDS, default=NAMES)
    filters = models.CharField(max_length=2000, blank=True, help_text="The search page's query string every line is narrowed by.")
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED, db_index=True)
    lines_total = models.PositiveIntegerField(default=0)
    lines_done = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="The runner working on it holds it until then.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class BatchLine(models.Model):
    job = models.ForeignKey(BatchJob, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()  # 1 = the list's first line
    text = models.CharField(max_length=300)
    # What the line searched: a name that is exactly a person's name or alias is that person (``person``);
    # any other line is a query of the query language (a name as person:"…").
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    query = models.CharField(max_length=400, blank=True)
    done = models.BooleanField(default=False)
    paragraphs = models.PositiveIntegerField(default=0)
    articles = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)  # "No person matches …", a refused query's message

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="one_batch_line_per_position")]

    def __str__(self) -> str:
        return self.text


class BatchCount(models.Model):
    """A line's paragraphs and articles in one source and month (0 = undated)."""

    line = models.ForeignKey(BatchLine, on_delete=models.CASCADE, related_name="counts")
    source = models.ForeignKey(Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_name = models.CharField(max_length=200, blank=True)  # as it was when counted
    month = models.PositiveIntegerField()  # yyyymm
    paragraphs = models.PositiveIntegerField()
    articles = models.PositiveIntegerField()

    class Meta:
        ordering = ["line", "month", "source_name"]

    def __str__(self) -> str:
        return f"{self.line_id} · {self.source_name} · {self.month}: {self.paragraphs}"


class BatchMatch(models.Model):
    """A paragraph a line found."""

    line = models.ForeignKey(BatchLine, on_delete=models.CASCADE, related_name="matches")
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.line_id} → {self.paragraph_id}"
