"""Verdicts: claims, exclusions and rules, and the memo that shares rule verdicts between look-alike devices."""

from __future__ import annotations

from pathlib import Path

from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.eligibility import verdict
from tests.conftest import recipe


def _twin(name: str, model: str) -> str:
    return recipe(f"""
        category: smart-plug
        manufacturer: Twinco
        product_name: {name}
        model_numbers: [{model}]
        power: {{energy_monitoring: true}}
    """)


def _rewards(eligibility: str) -> str:
    """Twin Power's program for PG&E customers, with the given `eligibility:` block (indented 4)."""
    return recipe("""
        name: Twin Rewards
        operator: Twin Power
        urls: {info: https://example.org/twin}
        markets: {utilities: [pge]}
        eligibility:
    """ + eligibility)


def test_devices_with_the_same_facts_keep_their_own_claims_and_exclusions(mini, tmp_path: Path) -> None:
    """Three plugs a whole-category rule cannot tell apart (its verdict is shared through the memo): one
    listed as not supported, one excluded, one plain."""
    root = mini({
        "devices/smart-plug/twinco-a.yaml": _twin("Twin A", "TA-1"),
        "devices/smart-plug/twinco-b.yaml": _twin("Twin B", "TB-1"),
        "devices/smart-plug/twinco-c.yaml": _twin("Twin C", "TC-1"),
        "programs/twin-rewards.yaml": _rewards("""
              devices:
              - {device: twinco-b, supported: false}
              exclude_devices: [twinco-c]
              rules:
              - {category: smart-plug, requires: {energy_monitoring: true}, note: every plug that measures energy}
        """),
        "programs/twin-hub.yaml": _rewards("""
              rules:
              - {category: smart-plug, requires: {hubs: [zig-hub]}}
        """).replace("Twin Rewards", "Twin Hub"),
    })
    cat = Catalog(build(root, tmp_path / "build").path)
    program = cat.programs["twin-rewards"]
    facts = cat.facts_of(["twinco-a", "twinco-b", "twinco-c"])
    for _ in range(2):  # the second round answers from the memo
        assert program.eligibility.reads.get("smart-plug") == ("energy_monitoring",)
        assert (verdict(program, facts["twinco-a"]).supported, verdict(program, facts["twinco-a"]).basis) == (True, "rule")
        assert (verdict(program, facts["twinco-b"]).supported, verdict(program, facts["twinco-b"]).basis) == (False, "claim")
        assert (verdict(program, facts["twinco-c"]).supported, verdict(program, facts["twinco-c"]).basis) == (False, "excluded")
    # a hub requirement is part of what a rule verdict depends on, alone or with others
    hub_only = cat.programs["twin-hub"]
    assert hub_only.eligibility.reads["smart-plug"] == ("hub",)
    assert [verdict(hub_only, facts["twinco-a"], hub).supported for hub in ("zig-hub", "other-hub", None)] == [True, False, None]
    plain = facts["twinco-a"]
    assert verdict(program, plain, hub_id="some-hub").supported is True
    assert verdict(program, plain._replace(energy_monitoring=None)).supported is None
    assert verdict(program, plain._replace(energy_monitoring=False)).basis == "requirements"
    assert program.eligibility.verdicts  # the memo was used


def test_a_remembered_verdict_is_the_verdict_and_costs_the_garbage_collector_nothing(mini, tmp_path: Path) -> None:
    """A service remembers hundreds of thousands of rule verdicts; answered from the memo, a verdict has
    the same reasons and sources, and what the memo holds is not walked by every full collection
    (as Verdict objects it made 200 ms pauses at 100k devices), nor are cached device facts."""
    import gc

    root = mini({
        "devices/smart-plug/twinco-a.yaml": _twin("Twin A", "TA-1"),
        "devices/smart-plug/twinco-b.yaml": _twin("Twin B", "TB-1"),
        "programs/twin-rewards.yaml": _rewards("""
              rules:
              - {category: smart-plug, requires: {energy_monitoring: true, local_api: true}}
        """),
    })
    cat = Catalog(build(root, tmp_path / "build").path)
    program = cat.programs["twin-rewards"]
    a, b = cat.facts("twinco-a"), cat.facts("twinco-b")
    assert a is not None and b is not None
    first, again = verdict(program, a), verdict(program, b)  # b has a's facts: answered from the memo
    assert len(program.eligibility.verdicts) == 1
    for v in (first, again):
        assert (v.supported, v.basis, v.unmet, v.unknown, v.rule_index) == (None, "requirements", [], ["needs local control"], 0)
    assert [e.as_dict() for e in again.evidence] == [e.as_dict() for e in first.evidence] != []
    gc.collect()
    gc.collect()  # a tuple is dropped once the tuples inside it were: one collection each
    assert not any(gc.is_tracked(packed) for packed in program.eligibility.verdicts.values())
    assert not any(gc.is_tracked(value) for value in a if isinstance(value, (list, tuple)))


def test_a_maker_rule_verdict_is_shared_by_the_makers_devices_and_a_model_rule_is_judged_per_device(mini, tmp_path: Path) -> None:
    """The memo is keyed by exactly what a program's rules read: a rule on a maker and local control
    gives Twinco's plugs one shared verdict per local-control value, right for each plug; a rule on
    model numbers reads what differs between plugs, so its verdicts are not remembered at all."""
    def plug(name: str, model: str, local: str) -> str:
        return _twin(name, model) + f"control: {{local_api: {local}}}\n"

    root = mini({
        "devices/smart-plug/twinco-a.yaml": plug("Twin A", "TA-1", "true"),
        "devices/smart-plug/twinco-b.yaml": plug("Twin B", "TB-1", "true"),
        "devices/smart-plug/twinco-c.yaml": plug("Twin C", "TC-1", "false"),
        "programs/twin-rewards.yaml": _rewards("""
              rules:
              - {category: smart-plug, manufacturers: [Twinco], requires: {local_api: true}}
        """),
        "programs/twin-models.yaml": _rewards("""
              rules:
              - {category: smart-plug, manufacturers: [Twinco], models: ["TA-*"]}
        """).replace("Twin Rewards", "Twin Models"),
    })
    cat = Catalog(build(root, tmp_path / "build").path)
    facts = cat.facts_of(["twinco-a", "twinco-b", "twinco-c"])
    by_maker, by_model = cat.programs["twin-rewards"], cat.programs["twin-models"]
    assert by_maker.eligibility.reads["smart-plug"] == ("local_api", "makers")
    answers = [(v.supported, v.basis) for v in (verdict(by_maker, facts[d]) for d in ("twinco-a", "twinco-b", "twinco-c"))]
    assert answers == [(True, "rule"), (True, "rule"), (False, "requirements")]
    assert len(by_maker.eligibility.verdicts) == 2  # a and b share one entry; c's local control differs
    assert [verdict(by_model, facts[d]).supported for d in ("twinco-a", "twinco-b")] == [True, False]
    assert not by_model.eligibility.verdicts
