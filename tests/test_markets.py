"""ZIP -> utility: the vendored territory table, its corrections, the utilities importer and the answers."""

from __future__ import annotations

import csv
import gzip
import json
import random
import shutil
from datetime import date
from pathlib import Path
from typing import Callable

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from derdir.api.app import create_app
from derdir.catalog import territories as terr
from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.cli import commands  # noqa: F401
from derdir.cli.app import app as cli
from derdir.errors import InvalidInput, NotFound
from derdir.importers.utilities import import_utilities
from derdir.markets import resolve_location, suggest_utilities, zip_market
from derdir.recipes.yamlio import load_yaml
from derdir.stats import catalog_stats
from derdir.catalog.source import read_catalog

CATALOG = Path(__file__).parents[1] / "catalog"

KNOWN = {"94612": "pge", "10001": "con-edison", "60601": "il-commonwealth-edison", "98101": "seattle-city-light",
         "78701": "austin-energy", "95814": "smud", "94105": "pge", "77002": "tx-center-point-energy-houston-electric-llc",
         "02108": "eversource-ma", "30303": "georgia-power", "85004": "aps", "80202": "xcel-energy-co"}


def test_known_zip_codes_find_their_utility(cat: Catalog) -> None:
    for z, uid in KNOWN.items():
        m = resolve_location(cat, z)
        assert m.utility == uid, (z, m)
        assert m.how == "zip" and m.ranked[0].id == uid and m.ranked[0].name == cat.utilities[uid].name
        d = m.as_dict()
        assert d["utility_candidates"][0] == {"id": uid, "name": cat.utilities[uid].name, "share": None,
                                              "basis": m.ranked[0].basis}


def test_every_zip_code_of_the_territory_data_resolves_to_a_utility(cat: Catalog) -> None:
    zips = {z for z, *_ in terr.load(CATALOG).rows}
    assert len(zips) > 40_000
    owned = {t for u in cat.utilities.values() for t in u.territories}
    mapped = {z for z, t in cat.sql("SELECT zip, territory FROM zip_territory") if t in owned}
    assert zips - mapped == set()
    for z in random.Random(14).sample(sorted(zips), 300):  # and through the one function, in many states
        m = resolve_location(cat, z)
        assert m.utility or len(m.candidates) >= 2, z
        assert m.region and m.region.startswith("US-")


def test_a_split_zip_code_ranks_its_utilities_and_decides_nothing(cat: Catalog) -> None:
    m = resolve_location(cat, "03032")  # Auburn NH: two territories both marked predominant upstream
    assert m.utility is None and len(m.candidates) >= 2 and m.region == "US-NH"
    assert "eversource-nh" in m.candidates
    assert all(c.basis.startswith("serves most") for c in m.ranked[:2])


def test_corrections_are_applied_and_marked(cat: Catalog) -> None:
    sea = resolve_location(cat, "98101")
    assert sea.candidates == ["seattle-city-light", "puget-sound-energy"]  # the steam company is left out
    assert "corrections.yaml" in sea.ranked[1].basis
    sac = resolve_location(cat, "95814")
    assert sac.candidates[:2] == ["smud", "pge"]
    assert resolve_location(cat, "95641").utility == "pge"  # a Delta ZIP left as upstream has it
    la = resolve_location(cat, "90012")
    assert "ca-southern-cal-gas" not in la.candidates and all(cat.utilities[u].territories for u in la.candidates)
    philly = resolve_location(cat, "19103")
    assert philly.candidates and not any("vicinity" in u for u in philly.candidates)


def test_corrections_logic_and_what_upstream_no_longer_needs() -> None:
    rows = [("11111", "CA", "a", True), ("11111", "CA", "b", False), ("22222", "CA", "a", True),
            ("33333", "CA", "gas", True), ("33333", "CA", "b", False)]
    src = [{"url": "https://example.org/x", "seen": date(2026, 12, 3)}]
    fixes = terr.Corrections.model_validate({
        "not_electric": [{"territory": "gas", "what": "gas", "reason": "a gas company", "sources": src},
                         {"territory": "gone", "what": "gas", "reason": "no longer listed", "sources": src}],
        "prefer": [{"territory": "b", "over": ["a"], "zips": ["11111"], "reason": "b serves it", "sources": src},
                   {"territory": "a", "over": ["b"], "zips": ["22222"], "reason": "nothing to change", "sources": src}]})
    table = terr.Territories(rows, fixes)
    applied = {(z, t): (p, why) for z, t, p, why in table.applied()}
    assert ("33333", "gas") not in applied and applied[("33333", "b")] == (False, None)
    assert applied[("11111", "b")] == (True, "prefer:b") and applied[("11111", "a")] == (False, "prefer:b")
    assert applied[("22222", "a")] == (True, None)
    unneeded = table.unnecessary()
    assert any(u.startswith("not_electric gone") for u in unneeded)
    assert any(u.startswith("prefer a over b") for u in unneeded)
    assert not any(u.startswith("prefer b") or "not_electric gas" in u for u in unneeded)


def test_a_bad_corrections_file_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "territories").mkdir()
    (tmp_path / "territories" / "corrections.yaml").write_text("prefer:\n- territory: a\n  reason: x\n")
    with pytest.raises(terr.CorrectionsInvalid) as exc:
        terr.load(tmp_path)
    fields = {p.field for p in exc.value.problems}
    assert "prefer.0.over" in fields and "prefer.0.sources" in fields


def test_canadian_postal_codes_give_the_province(cat: Catalog) -> None:
    assert resolve_location(cat, "M5V 3L9").region == "CA-ON"
    assert resolve_location(cat, "h2x").region == "CA-QC"
    bc = resolve_location(cat, "V6B 1A1")  # FortisBC serves BC too (catalog a4fdf1e): the province gives candidates
    assert bc.region == "CA-BC" and "bc-hydro" in bc.candidates and (bc.utility in (None, "bc-hydro"))
    assert resolve_location(cat, "X0A 0H0").region == "CA-NU"
    assert resolve_location(cat, {"zip": "B3H 4R2"}).region == "CA-NS"
    with pytest.raises(InvalidInput) as exc:
        resolve_location(cat, {"zip": "D1A 1A1"})
    assert exc.value.field == "location.zip"


def test_names_eia_ids_and_ambiguous_names(cat: Catalog) -> None:
    assert resolve_location(cat, "Commonwealth Edison").utility == "il-commonwealth-edison"
    assert resolve_location(cat, "eia:4110").utility == "il-commonwealth-edison"
    assert resolve_location(cat, "ComEd").utility == "il-commonwealth-edison"  # a hand-added short name, kept by re-imports
    assert resolve_location(cat, "Pacific Gas & Electric Co").utility == "pge"
    twice = resolve_location(cat, "Clearwater Power Company")  # one co-op, three states: one recipe
    assert twice.utility and set(cat.utilities[twice.utility].regions) >= {"US-ID", "US-WA"}
    many = resolve_location(cat, "City of Lebanon")
    if many.utility is None:  # several towns of that name: ranked, not guessed
        assert len(many.candidates) >= 2 and many.how == "utility-name"
    with pytest.raises(NotFound):
        resolve_location(cat, "Bogus Power and Light of Nowhere")


def test_a_cca_or_retail_provider_opens_its_distribution_utilitys_programs(cat: Catalog) -> None:
    m = resolve_location(cat, "CleanPowerSF")
    assert m.utility == "cleanpowersf" and m.within == ["pge"] and m.region == "US-CA"
    assert "pge-wattersaver" in cat.programs_in_market(m.utility, m.region)
    assert "pge-wattersaver" in cat.programs_in_market("mce")
    assert "pge-wattersaver" not in cat.programs_in_market("smud")
    tesla = resolve_location(cat, "Tesla Electric")
    assert "tx-oncor-electric-delivery" in tesla.within and tesla.region == "US-TX"


def test_suggestions_for_the_location_box(cat: Catalog) -> None:
    names = [s["id"] for s in suggest_utilities(cat, "pacific gas")]
    assert names[0] == "pge"
    assert any(s["id"] == "seattle-city-light" for s in suggest_utilities(cat, "seattle"))
    assert suggest_utilities(cat, "p") == []


def test_http_and_cli_answers(real_build: Path) -> None:
    client = TestClient(create_app(real_build))
    r = client.get("/v1/markets", params={"location": "95814"})
    assert r.status_code == 200
    body = r.json()
    assert body["utility"] == "smud" and body["resolved_by"] == "zip" and body["region"] == "US-CA"
    assert body["utility_candidates"][0]["id"] == "smud" and "smud-my-energy-optimizer" in body["programs"]
    bad = client.get("/v1/markets", params={"location": "99999"})
    assert bad.status_code == 404 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/markets", params={"location": "Q9Z"}).status_code == 422
    assert client.get("/v1/markets/suggest", params={"q": "smud"}).json()[0]["id"] == "smud"
    page = client.get("/products/tp-link-kasa-kp125m", params={"market": "95814"})
    assert page.status_code == 200 and "From the ZIP code" in page.text and "the data gives no share" in page.text
    split = client.get("/products/tp-link-kasa-kp125m", params={"market": "03032"})
    assert "Several utilities serve this ZIP code" in split.text
    home = client.get("/")
    assert 'data-suggest="/v1/markets/suggest' in home.text or "data-suggest" in client.get("/search").text
    out = CliRunner().invoke(cli, ["market", "60601", "--json", "--build-dir", str(real_build)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["utility"] == "il-commonwealth-edison"
    none = CliRunner().invoke(cli, ["market", "nowhere power", "--build-dir", str(real_build)])
    assert none.exit_code != 0 and "Traceback" not in none.output


def test_stats_report_utilities_and_zip_coverage() -> None:
    data = catalog_stats(read_catalog(CATALOG))
    assert data["utilities"] > 2000 and data["utilities_with_eia_id"] > 1000
    assert data["zips_covered"] == data["zips_in_territory_data"] > 40_000


# --- the importer ------------------------------------------------------------------------------

def _upstream(folder: Path, rows: list[tuple[str, str, str]], zips: list[tuple[str, str, int]]) -> Path:
    data = folder / "rewiringamerica-api-abc1234" / "scripts" / "data"
    data.mkdir(parents=True)
    with open(data / "geographies.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "key", "type", "name", "state", "county_fips", "geometry"])
        w.writerow(["1", "", "state", "California", "CA", "", ""])
        for i, (key, name, state) in enumerate(rows, start=100):
            w.writerow([str(i), key, "electric_territory", name, state, "", ""])
        w.writerow(["999", "ca-some-gas", "gas_territory", "Some Gas", "CA", "", ""])
    ids = {key: str(i) for i, (key, _n, _s) in enumerate(rows, start=100)}
    with open(data / "zip-to-geography-approx.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["zip", "geography_id", "predominant"])
        for z, key, pred in zips:
            w.writerow([z, ids.get(key, "999"), str(pred)])
    return data


def test_the_importer_merges_creates_and_reruns_idempotently(mini: Callable[..., Path], tmp_path: Path) -> None:
    root = mini({})
    data = _upstream(tmp_path / "up", [("ca-pacific-gas-and-electric", "Pacific Gas & Electric", "CA"),
                                      ("ca-city-of-somewhere", "City of Somewhere", "CA"),
                                      ("or-co-op-power", "Co-op Power Association", "OR"),
                                      ("wa-co-op-power", "Co-op Power Association", "WA")],
                     [("90001", "ca-pacific-gas-and-electric", 1), ("90001", "ca-city-of-somewhere", 0),
                      ("90001", "ca-some-gas", 0), ("97001", "or-co-op-power", 1)])
    pudl = tmp_path / "pudl-2025.12.1.eia-utilities.csv"
    pudl.write_text("utility_id_eia,utility_name_eia\n14328,Pacific Gas & Electric Co\n777,Co-op Power Assn Inc\n"
                    "888,City of Somewhere - (NV)\n")
    report = import_utilities(data, root, pudl, date(2026, 12, 3))
    assert report.merged == {"pge": ["ca-pacific-gas-and-electric"]}
    assert sorted(report.created) == ["ca-city-of-somewhere", "co-op-power-association"]
    pge = load_yaml((root / "utilities" / "pge.yaml").read_bytes()).data
    assert pge["territories"] == ["ca-pacific-gas-and-electric"] and pge["name"] == "Pacific Gas and Electric Company"
    coop = load_yaml((root / "utilities" / "co-op-power-association.yaml").read_bytes()).data
    assert coop["eia_id"] == 777 and coop["regions"] == ["US-OR", "US-WA"] and coop["aliases"] == ["Co-op Power Assn Inc"]
    town = load_yaml((root / "utilities" / "ca-city-of-somewhere.yaml").read_bytes()).data
    assert "eia_id" not in town  # the only EIA name is in another state
    assert report.counts()["eia_match_rate"] == 0.75
    with gzip.open(root / "territories" / terr.TABLE, "rt") as fh:
        assert fh.read().splitlines()[1:] == ["90001,CA,ca-city-of-somewhere,0", "90001,CA,ca-pacific-gas-and-electric,1",
                                              "97001,OR,or-co-op-power,1"]
    # a person edits a field the importer wrote: it is theirs from now on; a re-run changes nothing else
    path = root / "utilities" / "ca-city-of-somewhere.yaml"
    path.write_text(path.read_text().replace("name: City of Somewhere", "name: Somewhere Municipal Power"))
    text = path.read_text()
    doc = load_yaml(text.encode()).data
    doc["imported"]["owned_fields"].remove("name")
    from derdir.importers.utilities import HEADER
    from derdir.recipes.yamlio import dump_yaml
    path.write_text(HEADER + dump_yaml(doc))
    before = {p.name: p.read_bytes() for p in (root / "utilities").glob("*.yaml")}
    again = import_utilities(data, root, pudl, date(2026, 12, 9))
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 3
    assert {p.name: p.read_bytes() for p in (root / "utilities").glob("*.yaml")} == before
    built = build(root, tmp_path / "build")
    cat = Catalog(built.path)
    m = zip_market(cat, "90001")
    assert m.utility == "pge" and m.candidates == ["pge", "ca-city-of-somewhere"]
    assert resolve_location(cat, "Somewhere Municipal Power").utility == "ca-city-of-somewhere"


def test_the_bundled_recipes_are_what_the_importer_writes(tmp_path: Path) -> None:
    """Re-running the import over the vendored data's own source changes no committed recipe."""
    upstream = Path("/work/shared/reference/upstream")
    folder = upstream / "rewiringamerica-api-16ad9bf" / "scripts" / "data"
    if not folder.is_dir():
        pytest.skip("the upstream data is not on this machine")
    root = Path(shutil.copytree(CATALOG, tmp_path / "catalog"))
    report = import_utilities(folder, root, upstream / "pudl-2025.12.1.eia-utilities.csv", date(2026, 12, 3), dry_run=True)
    assert report.created == [] and report.updated == [] and report.unnecessary == []
