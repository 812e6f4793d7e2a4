"""Purchase rebates beside program payments (issue 23): what a recommendation shows in real places from
the imported Rewiring America data, and the rules a first-year total must keep -- an expired rebate is never
current, owner and income conditions are asked, rebates that exclude each other are not added together."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest

from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.recommendations import recommend

from tests.conftest import recipe
from tests.test_trusted_answers import FILES

BURLINGTON_HPWH = "vt-burlington-electric-department-burlington-electric-department-rebate-for-heat-pump-water-heater"


def _with_rebates(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Recommendations that show a rebate (with its sources) beside the program earnings of the device."""
    return [r for r in answer["recommendations"] if r["programs"] and r["rebates"]
            and all(o["sources"] and o["info_url"] for o in r["rebates"])]


@pytest.mark.parametrize("zip_code, state", [("78701", "TX"), ("48201", "MI"), ("05401", "VT"), ("80202", "CO"),
                                             ("02108", "MA"), ("55401", "MN")])
def test_a_recommendation_shows_rebates_beside_program_earnings(cat: Catalog, zip_code: str, state: str) -> None:
    answer = recommend(cat, zip_code, conditions={"owner": True}, today=date(2026, 12, 3))
    shown = _with_rebates(answer)
    assert shown, f"no recommendation in {state} shows a rebate beside its programs"
    assert all(o["rebate"].startswith(state.lower() + "-") for r in shown for o in r["rebates"])
    for r in shown:  # the first year says which part is which, and only counted rebates are in it
        counted = sum(o["value"]["typical"] or 0 for o in r["rebates"] if o["counted"])
        assert r["first_year_parts"]["rebates"]["USD"] <= counted + 0.01


def test_a_counted_rebate_adds_to_the_first_year_not_to_the_yearly_total(cat: Catalog) -> None:
    answer = recommend(cat, "78701", conditions={"owner": True}, today=date(2026, 12, 3))
    r = next(r for r in answer["recommendations"] if any(o["counted"] for o in r["rebates"]))
    parts = r["first_year_parts"]
    assert parts["rebates"]["USD"] > 0
    assert r["added_first_year"]["USD"] == pytest.approx(parts["programs"]["USD"] + parts["rebates"]["USD"])
    assert r["added_yearly"]["USD"] < r["added_first_year"]["USD"]


def _burlington(cat: Catalog, **kw: Any) -> dict[str, Any]:
    answer = recommend(cat, "05401", limit=50, **kw)
    return next(o for r in answer["recommendations"] for o in r["rebates"] if o["rebate"] == BURLINGTON_HPWH)


def test_a_rebate_past_its_end_date_is_never_current(cat: Catalog) -> None:
    before = _burlington(cat, conditions={"owner": True}, today=date(2026, 12, 3))
    assert before["ends_on"] == "2026-12-31" and before["counted"] is True
    answer = recommend(cat, "05401", limit=50, conditions={"owner": True}, today=date(2027, 1, 15))
    after = [o for r in answer["recommendations"] for o in r["rebates"] if o["rebate"] == BURLINGTON_HPWH]
    assert all(o["status"] == "expired" and o["counted"] is False for o in after)


def test_an_owners_rebate_is_asked_of_a_household_that_has_not_said_and_refused_to_a_renter(cat: Catalog) -> None:
    assert _burlington(cat, today=date(2026, 12, 3))["status"] == "conditional"
    assert _burlington(cat, today=date(2026, 12, 3))["counted"] is False
    renter = _burlington(cat, conditions={"owner": False}, today=date(2026, 12, 3))
    assert renter["counted"] is False and renter["status"] == "nearly"
    owner = _burlington(cat, conditions={"owner": True}, today=date(2026, 12, 3))
    assert owner["status"] == "available" and owner["value"]["typical"] == 800


REBATES = {
    "devices/water-heater/acme-tank.yaml": FILES["devices/water-heater/acme-tank.yaml"],
    "programs/tank-saver.yaml": recipe("""
        name: Tank Saver
        operator: PG&E
        urls: {info: https://example.org/tank, enroll: https://example.org/tank/join}
        markets: {utilities: [pge]}
        eligibility:
          rules: [{category: water-heater, manufacturers: [Acme]}]
        incentives:
        - {type: per-year, amount: 20}
    """),
    "rebates/ca/pge-tank-rebates.yaml": recipe("""
        name: Tank rebates
        operator: PG&E
        urls: {info: https://example.org/rebates}
        markets: {utilities: [pge]}
        terms:
        - id: big
          categories: [water-heater]
          payment_methods: [rebate]
          amount: {type: dollar_amount, number: 700}
          excludes: [small]
        - id: small
          categories: [water-heater]
          payment_methods: [rebate]
          amount: {type: dollar_amount, number: 300}
          excludes: [big]
        - id: low-income
          categories: [water-heater]
          payment_methods: [rebate]
          amount: {type: dollar_amount, number: 1000}
          conditions: [{kind: income, text: household income under the program's limit}]
    """),
}


@pytest.fixture
def rcat(mini: Callable[..., Path]) -> Catalog:
    root = mini(REBATES)
    build(root, root.parent / "build")
    return Catalog((root.parent / "build" / "current").resolve())


def test_rebates_that_exclude_each_other_are_not_added_together(rcat: Catalog) -> None:
    answer = recommend(rcat, "pge", limit=5, today=date(2026, 12, 3))
    tank = next(r for r in answer["recommendations"] if r["category"] == "water-heater")
    counted = {o["id"]: o["counted"] for o in tank["rebates"]}
    assert counted["big"] is True and counted["small"] is False
    assert tank["first_year_parts"]["rebates"]["USD"] == 700
    assert tank["added_first_year"]["USD"] == pytest.approx(720)


def test_an_income_rebate_counts_only_once_the_household_confirms_its_income(rcat: Catalog) -> None:
    def low_income(conditions: dict[str, bool] | None) -> dict[str, Any]:
        answer = recommend(rcat, "pge", limit=5, conditions=conditions, today=date(2026, 12, 3))
        tank = next(r for r in answer["recommendations"] if r["category"] == "water-heater")
        return next(o for o in tank["rebates"] if o["id"] == "low-income")

    assert low_income(None)["status"] == "conditional" and low_income(None)["counted"] is False
    assert low_income({"income": False})["counted"] is False
    assert low_income({"income": True})["counted"] is True


def test_stats_count_rebates_by_state_and_category(mini: Callable[..., Path]) -> None:
    from derdir.catalog.source import read_catalog
    from derdir.stats import catalog_stats

    figures = catalog_stats(read_catalog(mini(REBATES)))
    assert figures["rebates"] == 1 and figures["rebate_terms"] == 3 and figures["rebate_terms_current"] == 3
    assert figures["rebate_terms_by_state"] == {"US-CA": 3}
    assert figures["rebate_terms_by_category"] == {"water-heater": 3}


def test_the_audit_warns_of_a_rebate_term_past_its_end_date(mini: Callable[..., Path]) -> None:
    from derdir.audit import audit_catalog

    files = dict(REBATES)
    files["rebates/ca/pge-tank-rebates.yaml"] = files["rebates/ca/pge-tank-rebates.yaml"].replace(
        "  excludes: [small]\n", "  excludes: [small]\n  ends_on: 2025-06-30\n", 1)
    problems = [(p.rule, p.severity, p.field) for p in audit_catalog(mini(files)) if p.rule == "stale"]
    assert problems == [("stale", "warning", "terms[0].ends_on")]
