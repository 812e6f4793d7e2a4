"""Core queries on a small catalog: product, support, compat, search, markets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.compat import compat
from derdir.errors import Ambiguous, InvalidInput, NotFound
from derdir.markets import resolve_location
from derdir.product import product
from derdir.search import list_programs, search_products
from derdir.support import support
from tests.conftest import recipe


@pytest.fixture
def small(mini, tmp_path: Path) -> Catalog:
    root = mini({
        "devices/smart-plug/acme-plug-mini.yaml": recipe("""
            category: smart-plug
            manufacturer: Acme
            product_name: Acme Mini Plug
            model_numbers: [AP-2]
            connectivity: {matter: {transport: thread}}
            former_ids: [acme-old-mini]
        """),
        "hubs/thread-hub.yaml": recipe("""
            manufacturer: Hubco
            product_name: Thread Hub
            model_numbers: [TH-1]
            ecosystem: apple-home
            roles: {matter_controller: true, thread_border_router: true}
        """),
    })
    info = build(root, tmp_path / "build")
    return Catalog(info.path)


def test_product_by_id_name_model_and_former_id(small: Catalog) -> None:
    assert product(small, "acme-plug")["id"] == "acme-plug"
    assert product(small, "AP-1")["id"] == "acme-plug"
    assert product(small, "Acme ap1")["id"] == "acme-plug"
    assert product(small, "acme-old-mini")["id"] == "acme-plug-mini"


def test_ambiguous_and_unknown_products(small: Catalog) -> None:
    with pytest.raises(Ambiguous) as amb:
        product(small, "Acme")
    assert {c["id"] for c in amb.value.candidates} >= {"acme-plug", "acme-dumb-plug"}
    with pytest.raises(NotFound) as nf:
        product(small, "acme-plugg")
    assert "acme-plug" in nf.value.suggestions


def test_product_lists_supporting_programs_in_market(small: Catalog) -> None:
    data = product(small, "acme-plug", market="pge")
    assert [p["id"] for p in data["programs"]] == ["acme-rewards"]
    assert data["programs"][0]["supported"] is True
    # in a market: what it pays, the estimate and the sources; without one, the verdicts and where, briefly
    assert data["programs"][0]["incentives"] and data["programs"][0]["evidence"] and "estimate" in data["programs"][0]
    everywhere = product(small, "acme-plug")["programs"]
    assert [(p["id"], p["supported"], p["markets"]) for p in everywhere] == [("acme-rewards", True, ["pge"])]
    assert not {"incentives", "estimate", "evidence"} & set(everywhere[0])
    assert product(small, "acme-plug", market="sce")["programs"] == []


def test_support_near_miss_names_the_requirement(small: Catalog) -> None:
    data = support(small, "acme-dumb-plug", "acme-rewards")
    assert data["verdict"]["supported"] is False and data["verdict"]["unmet"] == ["needs energy monitoring"]
    assert list(data["markets"]) == ["pge"]


def test_support_markets_carry_incentives_and_estimate(small: Catalog) -> None:
    entry = support(small, "acme-plug", "acme-rewards")["markets"]["pge"]
    assert entry["supported"] is True
    assert [i["type"] for i in entry["incentives"]] == ["enrollment", "per-month"]
    assert entry["estimate"]["typical"] == 110.0 and entry["estimate"]["includes_first_year_only"] == 50.0
    assert entry["evidence"][0]["url"] == "https://example.org/spec"


def test_compat_paths(small: Catalog) -> None:
    assert compat(small, "acme-plug", "zig-hub")["compatible"] is True
    assert compat(small, "acme-plug", "zig-hub")["how"]["protocol"] == "zigbee"
    no = compat(small, "acme-plug", "wifi-hub")
    assert no["compatible"] is False and "Zigbee" in no["reason"]
    thread = compat(small, "acme-plug-mini", "thread-hub")
    assert thread["compatible"] is True and "Thread" in thread["how"]["reason"]
    unknown = compat(small, "acme-plug-mini", "zig-hub")
    assert unknown["compatible"] is None


def test_search_filters(small: Catalog) -> None:
    assert search_products(small, "energy")["total"] == 1
    assert search_products(small, category="smart-plug")["total"] == 3
    assert {i["id"] for i in search_products(small, protocol="zigbee")["items"]} == {"acme-plug", "acme-dumb-plug"}
    assert search_products(small, program="acme-rewards")["total"] == 3  # every Acme plug the rule names
    assert search_products(small, market="sce")["total"] == 0
    assert {i["id"] for i in search_products(small, hub="zig-hub")["items"]} == {"acme-plug", "acme-dumb-plug"}
    assert search_products(small, manufacturer="ACME, Inc.")["total"] == 3
    page = search_products(small, per_page=2, page=2)
    assert page["total"] == 3 and len(page["items"]) == 1
    with pytest.raises(InvalidInput):
        search_products(small, category="toaster")


def test_markets_from_names_zip_and_state(small: Catalog) -> None:
    assert resolve_location(small, "Pacific Gas & Electric Co").utility == "pge"
    assert resolve_location(small, "eia:14328").utility == "pge"
    m = resolve_location(small, "94105")
    assert m.region == "US-CA" and m.utility is None and m.candidates == ["pge", "sce"]
    assert resolve_location(small, {"utility": "PG&E", "zip": "94105"}).utility == "pge"
    with pytest.raises(InvalidInput) as e:
        resolve_location(small, {"zip": "9410"})
    assert e.value.field == "location.zip"
    with pytest.raises(InvalidInput) as e:
        resolve_location(small, {"utility": "pge", "state": "TX"})
    assert e.value.field == "location.utility"
    with pytest.raises(NotFound):
        resolve_location(small, "Gotham Electric")
    assert [p["id"] for p in list_programs(small, "California")] == ["acme-rewards"]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text.lower()))


@pytest.mark.parametrize("word", ["device", "hub", "program", "utility", "kasa", "heat pump"])
def test_product_search_matches_titles_and_descriptions_never_the_kind_of_recipe(cat: Catalog, word: str) -> None:
    """Products are found by the words in their names and identifiers; the index also records each
    recipe's kind (to find products in one match), which a search for 'device' or 'hub' must not hit."""
    terms = word.split()
    expected = {rid for rid, title, body in cat.sql("SELECT id, title, body FROM search WHERE kind = 'device'")
                if all(any(w.startswith(t) for w in _words(f"{title} {body}")) for t in terms)}
    assert search_products(cat, word, per_page=1)["total"] == len(expected) < cat.count("device")


@pytest.mark.parametrize("word", ["plug", "thermostat", "water heater", "ecobee"])
def test_product_search_ranks_the_same_with_a_filter(cat: Catalog, word: str) -> None:
    """Words alone are answered from the text index only, words with a filter through the device rows:
    both rank alike, so a filter only removes products from the list."""
    def every(**filters: str) -> list[str]:
        found: list[str] = []
        for page in range(1, 100):
            result = search_products(cat, word, page=page, per_page=100, **filters)
            found += [i["id"] for i in result["items"]]
            if len(found) >= result["total"]:
                return found
        raise AssertionError("too many pages")

    alone = every()
    category = cat.sql("SELECT category FROM device WHERE id = ?", (alone[0],))[0][0]
    in_category = {r[0] for r in cat.sql("SELECT id FROM device WHERE category = ?", (category,))}
    assert every(category=category) == [d for d in alone if d in in_category]
    assert len(alone) > 1
