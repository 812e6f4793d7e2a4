"""Programs a home cannot be in together, and the best combination of those it can join.

A program excludes named others (`excludes_programs`) or every other demand-response program
(`excludes_all_programs`); either side's word is enough. Household totals and recommendations count
the combination that earns the most, keeping the programs a household is already in.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Iterable, Mapping

EXACT_COMBINATIONS = 16  # programs that exclude one another, chosen among exactly up to this many (then greedily)


def excludes(cat: Any, a: str, b: str) -> bool:
    """Can a home not be in programs `a` and `b` at the same time? Either may be a rebate term
    (`catalog.rebate_terms`): its `excludes` (other terms) and `excludes_programs` say what it cannot be
    combined with; a program's "no other demand-response program" does not reach rebates."""
    terms = getattr(cat, "rebate_terms", None) or {}
    if a in terms or b in terms:
        return _term_says(terms, a, b) or _term_says(terms, b, a)
    pa, pb = cat.programs[a], cat.programs[b]
    return pa.excludes_all_programs or pb.excludes_all_programs or b in pa.excludes_programs or a in pb.excludes_programs


def _term_says(terms: Mapping[str, tuple[str, Any]], one: str, other: str) -> bool:
    """Does rebate term `one` say it cannot be combined with `other`?"""
    if one not in terms:
        return False
    t = terms[one][1]
    return other in t.excludes or other in t.excludes_programs


def clashes(cat: Any, pid: str, others: Iterable[str]) -> list[str]:
    """Those of `others` that `pid` cannot be combined with (sorted)."""
    return sorted(o for o in others if o != pid and excludes(cat, pid, o))


def best_combination(cat: Any, value: Mapping[str, float], forced: set[str]) -> set[str]:
    """The programs (keys of `value`: what each earns) a home can join together that earn the most: none
    excludes another, every one in `forced` (already in) is kept. Exact over each group of programs that
    exclude one another, up to EXACT_COMBINATIONS of them; greedy beyond. Among equals, ids in order."""
    taken = set(forced)
    free = sorted(i for i in value if i not in forced and not any(excludes(cat, i, f) for f in forced))
    while free:  # one group of mutually excluding programs at a time
        group, todo = [], [free[0]]
        while todo:
            i = todo.pop()
            if i in group:
                continue
            group.append(i)
            todo += [j for j in free if j not in group and excludes(cat, i, j)]
        free = [i for i in free if i not in group]
        group.sort()
        if len(group) <= EXACT_COMBINATIONS:
            best: tuple[float, tuple[str, ...]] = (-1.0, ())
            for n in range(len(group), 0, -1):
                for combo in combinations(group, n):
                    if any(excludes(cat, a, b) for a, b in combinations(combo, 2)):
                        continue
                    total = sum(value[i] for i in combo)
                    if total > best[0]:
                        best = (total, combo)
            taken |= set(best[1])
        else:
            for i in sorted(group, key=lambda g: (-value[g], g)):
                if not any(excludes(cat, i, t) for t in taken if t in group):
                    taken.add(i)
    return taken
