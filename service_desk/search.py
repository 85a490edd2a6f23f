"""S14: search in Chinese on any PostgreSQL, the embedded one included (it has no pg_trgm and no Chinese parser).

Chinese is written without spaces, so PostgreSQL's `simple` parser would take a whole sentence for one word. The
text is therefore indexed as its terms: every two neighbouring Chinese characters (a bigram: 银期转账 → 银期 期转
转账, the way MySQL's ngram parser and Lucene's CJK analyser do it), a lone character on its own, and Latin words
and numbers lower-cased. A question is cut the same way and matches any of its terms, ranked by how many and how
often (title terms weigh more), so 转账不到账怎么办 finds the 银期转账 article though 怎么办 is in no article."""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, Value

CHINESE = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
RUNS = re.compile(rf"{CHINESE}+|[0-9a-z]+")
MAX_QUERY_TERMS = 40  # a pasted paragraph is cut, not a query of thousands of terms


def terms(text: str) -> list[str]:
    found = []
    for run in RUNS.findall((text or "").lower()):
        if re.fullmatch(rf"{CHINESE}+", run) and len(run) > 1:
            found.extend(run[index:index + 2] for index in range(len(run) - 1))
        else:
            found.append(run)
    return found


def indexed(title: str, body: str, keywords: str = ""):
    """The article's search vector: its title's and keywords' terms weigh A, its text's B."""
    return (SearchVector(Value(" ".join(terms(f"{title} {keywords}"))), config="simple", weight="A")
            + SearchVector(Value(" ".join(terms(body))), config="simple", weight="B"))


def question(text: str) -> SearchQuery | None:
    """Any of the question's terms (they are Chinese characters, letters and digits only: no query syntax)."""
    unique = list(dict.fromkeys(terms(text)))[:MAX_QUERY_TERMS]
    if not unique:
        return None
    return SearchQuery(" | ".join(unique), config="simple", search_type="raw")


def ranked(queryset, text: str):
    query = question(text)
    if query is None:
        return queryset.none()
    return (queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "pk"))
