"""What ingest order costs lone surnames: mentions a run dropped that the run's final directory resolves.

    python tests/tools/lone_order.py --instance var/persons-main [--articles 0] [--show 20] [--min-articles 1]

An ingest resolves a lone word ("Obama", "Reagan") against the persons known when its article is
stored; a person the run only meets later cannot take it, and the dropped mention is not stored, so
nothing looks at it again. This reads an instance's articles (read only), finds their persons again
as ingest does (spaCy, the same rules), and counts the lone mentions that have no stored mention at
their place but that the instance's directory, as it is now, resolves to a person. Research tool:
the figures go in docs/BENCHMARKS.md ("Persons").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=0, help="only the first N articles (0: all)")
    parser.add_argument("--show", type=int, default=20)
    parser.add_argument(
        "--min-articles", type=int, help="resolve with this Directory.LONE_MIN_ARTICLES: with 1, what the two-article rule holds back"
    )
    args = parser.parse_args()
    os.environ["NEWSAPP_VAR_DIR"] = str(args.instance.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "eval-only")
    import django

    django.setup()
    from search import people
    from search.ingest import persons
    from search.models import Article, Mention

    if args.min_articles is not None:
        people.Directory.LONE_MIN_ARTICLES = args.min_articles
    directory = people.Directory()
    articles = Article.objects.order_by("pk")
    if args.articles:
        articles = articles[: args.articles]
    dropped = resolvable = with_any = 0
    names: Counter[str] = Counter()
    for article in articles.iterator():
        kept = list(article.paragraphs.filter(boilerplate_reason="").order_by("position"))
        stored = set(Mention.objects.filter(paragraph__article=article).values_list("paragraph_id", "start"))
        found_here = 0
        for mention in persons.find_persons([p.text for p in kept]):
            if " " in mention.name or (kept[mention.paragraph].pk, mention.start) in stored:
                continue
            dropped += 1
            person = directory.lookup(mention.name, article.published)
            if person is not None:
                resolvable += 1
                found_here += 1
                names[f"{mention.name} → {directory.names[person]}"] += 1
        with_any += bool(found_here)
    print(f"lone mentions not stored: {dropped:,}; of them the final directory resolves {resolvable:,} ({with_any:,} articles)")
    for name, count in names.most_common(args.show):
        print(f"  {count:5}  {name}")


if __name__ == "__main__":
    main()
