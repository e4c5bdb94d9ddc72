"""Speed of the one search box (issue 18, item 2; ``victims.search``), a plugin of
``benchmarks/run.py`` (``run.PLUGINS``).

As Fuzhou's civil affairs officer, ``selectors.search_cases`` over the first 1,000 and 10,000
cases of his scope (the scope narrowed by id, so each size is exactly that many cases in scope):
one query for the names in scope, a decryption and an in-memory match (text and pinyin) per
case, then the ≤ 50 cases shown. Terms cycle through part of a name (two characters), its
pinyin initials and its first two syllables in full, drawn from the scope's own names. Target:
median ≤ 100 ms at 10,000. A size larger than the generated scope is reported as not measured.

Nothing personal is printed: the data are synthetic and the results are timings and counts.
"""

from __future__ import annotations

import random

from benchmarks.measure import Bench, Result, measurement, timed, timing

SIZES = (1_000, 10_000)


def _terms(names: list[str], count: int, seed: int) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    rng = random.Random(seed)
    terms = []
    for name in rng.sample(names, min(count, len(names))):
        syllables = lazy_pinyin(name, style=Style.NORMAL)
        terms += [name[:2], "".join(syllable[0] for syllable in syllables), "".join(syllables[:2])]
    return terms


@measurement(35, "scoped_search")
def scoped_search(bench: Bench) -> list[Result]:
    from victims import selectors

    user = bench.civil_affairs
    scope = selectors.cases_for(user).order_by("pk")
    in_scope = scope.count()
    results = []
    for size in SIZES:
        label = f"search box (name, pinyin), {size:,} cases in scope"
        if in_scope < size:
            results.append(Result(key=f"scoped_search_{size}", label=label, note=f"only {in_scope:,} in scope"))
            continue
        last = scope.values_list("pk", flat=True)[size - 1]
        cases = selectors.cases_for(user).filter(pk__lte=last)
        names = list(cases.values_list("victim__full_name", flat=True)[:500])
        terms = _terms(names, max(bench.repeat, 1), bench.seed)
        cycle = iter(terms * 2)
        seconds = timed(lambda c=cases, t=cycle: selectors.search_cases(user, next(t), cases=c), len(terms))
        target = "≤ 100 ms" if size == 10_000 else ""
        results.append(timing(f"scoped_search_{size}", label, seconds, target=target))
    return results
