#!/usr/bin/env python3
"""Household evaluation and resolver throughput on the synthetic catalog (100k devices / 2k programs / 3k utilities).

(a) `derdir.household.evaluate` for 20-device homes as a hub reports them: median and p95 per home, one core.
(b) the same qualifying (device, program) pairs computed by scanning every program's rules for every
    device (bench/baseline_scan.py), interleaved with (a) on the same homes: speed-up ratio, and the two
    answers compared pair for pair. Twice: with each home's reports resolved beforehand (both sides use
    the same resolver, so this compares matching, what the index is for: the judged figure), and with
    everything cold, the resolver included on both sides (for information).
(c) `derdir.resolve.resolve` throughput (devices/s) against a resolver that compares each report with
    every device's model strings, interleaved in blocks; agreement on model-string reports.

    python bench/bench_household.py [--quick] [--homes N] [--scan-homes N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (current_build, ensure_catalog, median, pin_to_one_core, profile_cumulative, profile_top,  # noqa: E402
                    save_section, scale, summary, target)

PROFILE_ABOVE_MS = 2.0  # a cProfile is recorded when a home takes longer (information, not a target)
TARGET_SPEEDUP = 50.0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k-device catalog, fewer homes (smoke run)")
    ap.add_argument("--homes", type=int, default=None, help="homes timed for latency (default 400, quick 60)")
    ap.add_argument("--scan-homes", type=int, default=None, help="homes also run through the scan baseline (default 24, quick 6)")
    ap.add_argument("--reports", type=int, default=None, help="reports for resolver throughput (default 2000, quick 300)")
    ap.add_argument("--scan-reports", type=int, default=None, help="reports through the scan resolver (default 60, quick 20)")
    ap.add_argument("--profile", action="store_true", help="always profile evaluate (otherwise only when a target is missed)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    homes_n = a.homes or (60 if a.quick else 400)
    scan_n = a.scan_homes or (6 if a.quick else 24)
    reports_n = a.reports or (300 if a.quick else 2000)
    scan_reports_n = a.scan_reports or (20 if a.quick else 60)

    sc = scale(a.quick)
    root, build_dir = ensure_catalog(**sc, seed=a.seed)
    core = pin_to_one_core()

    from derdir.catalog.index import Catalog
    from derdir.household import evaluate, parse_devices
    from derdir.service import settled
    from derdir.resolve import DeviceReport, resolve, resolve_many

    from baseline_scan import ScanResolver, evaluate_pairs, scan_household
    from workload import Workload

    t = time.perf_counter()
    cat = settled(Catalog(current_build(build_dir)))  # as the service holds it (out of the cyclic GC's reach)
    open_s = time.perf_counter() - t
    wl = Workload(cat, seed=11)
    homes = [wl.household() for _ in range(homes_n)]
    print(f"catalog open in {open_s:.2f} s; {len(homes)} homes; pinned to cpu {core}", flush=True)

    # warm-up: other homes, not timed, so that the timed ones meet the service as it is once it has
    # been answering for a while (imports, regexes, SQLite pages, the per-build memos) rather than
    # just started; the timed homes' own devices are still new to it
    for h in [wl.household() for _ in range(homes_n)]:
        evaluate(cat, h["location"], h["devices"], h["hub"])

    # (a) latency per home ---------------------------------------------------------------------------
    gc.collect()
    cold, warm, statuses = [], [], {}
    candidates_per_device: list[int] = []
    for h in homes:
        t = time.perf_counter()
        res = evaluate(cat, h["location"], h["devices"], h["hub"])
        cold.append(time.perf_counter() - t)
        for d in res["devices"]:
            statuses[d["status"]] = statuses.get(d["status"], 0) + 1
    for h in homes[:50]:  # the same home again right away: device cache and SQLite pages hot
        evaluate(cat, h["location"], h["devices"], h["hub"])
        t = time.perf_counter()
        evaluate(cat, h["location"], h["devices"], h["hub"])
        warm.append(time.perf_counter() - t)
    for h in homes[:50]:
        for rep in h["devices"]:
            r = resolve(cat, DeviceReport.model_validate(rep))
            if r.match and r.match.get("id"):
                f = cat.facts(r.match["id"])
                candidates_per_device.append(len(cat.candidates_of([f])[f.id]))
    lat = summary(cold)
    lat_warm = summary(warm)
    print(f"(a) evaluate per 20-device home: median {lat['median']} ms, p95 {lat['p95']} ms "
          f"(same home again: median {lat_warm['median']} ms)", flush=True)

    # (b) interleaved with the scan baseline on the same homes -------------------------------------
    def side_by_side(label: str, resolved: bool) -> dict[str, Any]:
        """Each contender starts a home with empty caches; with `resolved`, the home's reports are then
        resolved once (the resolver is the same code on every side, so only matching is compared)."""
        idx_t, scan_t, scan_mf_t, ratios = [], [], [], []
        mismatches, pairs_total = [], 0
        for i, h in enumerate(homes[:scan_n]):
            order = ["index", "scan", "scan-market-first"] if i % 2 == 0 else ["scan-market-first", "scan", "index"]
            times = {}
            for who in order:
                cat.forget()
                if resolved:
                    resolve_many(cat, parse_devices(h["devices"]))
                gc.collect()
                t = time.perf_counter()
                if who == "index":
                    got = evaluate_pairs(evaluate(cat, h["location"], h["devices"], h["hub"]))
                elif who == "scan":
                    scanned = scan_household(cat, h["location"], h["devices"], h["hub"])
                else:
                    scanned_mf = scan_household(cat, h["location"], h["devices"], h["hub"], market_first=True)
                times[who] = time.perf_counter() - t
            idx_t.append(times["index"])
            scan_t.append(times["scan"])
            scan_mf_t.append(times["scan-market-first"])
            ratios.append(times["scan"] / times["index"])
            pairs_total += len(got)
            if got != scanned or got != scanned_mf:
                mismatches.append({"home": i, "only_index": sorted(got - scanned), "only_scan": sorted(scanned - got),
                                   "market_first_differs": scanned != scanned_mf})
        speedup, speedup_mf = median(scan_t) / median(idx_t), median(scan_mf_t) / median(idx_t)
        print(f"(b) {label}: index {median(idx_t) * 1e3:.2f} ms, scan {median(scan_t) * 1e3:.0f} ms per home: "
              f"{speedup:.1f}x (median of per-home ratios {median(ratios):.1f}x); market-first scan / index: "
              f"{speedup_mf:.2f}x; answers identical on {len(idx_t) - len(mismatches)}/{len(idx_t)} homes", flush=True)
        return {"homes": len(idx_t), "index_ms": summary(idx_t), "scan_ms": summary(scan_t),
                "scan_market_first_ms": summary(scan_mf_t), "speedup": round(speedup, 2),
                "speedup_median_of_ratios": round(median(ratios), 2), "speedup_vs_market_first_scan": round(speedup_mf, 2),
                "qualifying_pairs": pairs_total, "identical_homes": len(idx_t) - len(mismatches), "mismatches": mismatches[:5]}

    matching = side_by_side("matching, reports resolved beforehand", resolved=True)
    whole = side_by_side("whole evaluation, resolver cold", resolved=False)
    speedup = matching["speedup"]

    # (c) resolver throughput ----------------------------------------------------------------------
    stream = wl.reports(reports_n)
    reports = [DeviceReport.model_validate(r) for r, _ in stream]
    kinds = [k for _, k in stream]
    t = time.perf_counter()
    scanner = ScanResolver(cat)
    scanner_load_s = time.perf_counter() - t
    block = max(1, scan_reports_n // 6)
    idx_blocks, scan_blocks = [], []  # seconds per report, per block
    agree = disagree = 0
    examples = []
    for b in range(0, scan_reports_n, block):
        chunk = list(range(b, min(b + block, scan_reports_n)))
        for who in (["index", "scan"] if (b // block) % 2 == 0 else ["scan", "index"]):
            t = time.perf_counter()
            if who == "index":
                got_idx = [resolve(cat, reports[j]) for j in chunk]
                idx_blocks.append((time.perf_counter() - t) / len(chunk))
            else:
                got_scan = [scanner.resolve(reports[j]) for j in chunk]
                scan_blocks.append((time.perf_counter() - t) / len(chunk))
        for j, ri, rs in zip(chunk, got_idx, got_scan):
            if kinds[j] != "model-string":
                continue
            mid = ri.match.get("id") if ri.match else None
            if mid == rs:
                agree += 1
            else:
                disagree += 1
                if len(examples) < 5:
                    examples.append({"report": stream[j][0], "index": mid, "scan": rs})
    # the index resolver on the whole stream, for a steadier absolute figure
    t = time.perf_counter()
    levels: dict[str, int] = {}
    for rep in reports:
        r = resolve(cat, rep)
        lvl = (r.match or {}).get("level") or r.kind
        levels[lvl] = levels.get(lvl, 0) + 1
    stream_s = time.perf_counter() - t
    idx_rate = len(reports) / stream_s
    rate_ratio = median(scan_blocks) / median(idx_blocks)
    print(f"(c) resolve: {idx_rate:.0f} devices/s (stream of {len(reports)}); scan resolver "
          f"{1 / median(scan_blocks):.1f} devices/s; ratio {rate_ratio:.0f}x; agreement on model-string reports "
          f"{agree}/{agree + disagree}", flush=True)

    # profile ----------------------------------------------------------------------------------------
    missed = lat["median"] > PROFILE_ABOVE_MS or speedup < TARGET_SPEEDUP
    prof_out = None
    if missed or a.profile:
        prof = cProfile.Profile()
        prof.enable()
        for h in homes[:100]:
            evaluate(cat, h["location"], h["devices"], h["hub"])
        prof.disable()
        prof_out = {
            "homes": min(100, len(homes)),
            "top_own_time": profile_top(prof, 25),
            "inside": profile_cumulative(prof, [
                "household.evaluate", "resolve.resolve", "household._evaluate_slot", "eligibility.verdict",
                "household._program_entry", "household._combined", "index.candidates_of", "index.sql",
                "index.facts_of", "household.parse_devices", "compat.verdict", "incentives.estimate",
                "markets.resolve_location", "resolve.Lookups", "resolve._family", "household._slot_json",
                "support.program_summary", "eligibility.program_evidence", "household._program_totals"]),
        }

    results = {
        "scale": {**sc, "build": str(current_build(build_dir)), "catalog_open_s": round(open_s, 2)},
        "core": core,
        "evaluate_ms": lat,
        "evaluate_same_home_again_ms": lat_warm,
        "statuses": statuses,
        "candidate_programs_per_matched_device": {"median": median(candidates_per_device),
                                                  "max": max(candidates_per_device, default=0)},
        "scan_vs_index": matching,
        "scan_vs_index_cold": whole,
        "resolve": {
            "devices_per_s": round(idx_rate), "stream": len(reports), "levels": levels,
            "index_ms_per_report_blocks": summary(idx_blocks), "scan_ms_per_report_blocks": summary(scan_blocks),
            "scan_devices_per_s": round(1 / median(scan_blocks), 1), "ratio": round(rate_ratio, 1),
            "scan_resolver_load_s": round(scanner_load_s, 2),
            "model_string_agreement": {"agree": agree, "disagree": disagree, "examples": examples},
        },
        "profile": prof_out,
        "targets": [
            target("household evaluate, 20 devices, median, 1 core", "(information)", f"{lat['median']} ms",
                   None, None,
                   f"p95 {lat['p95']} ms; same home again {lat_warm['median']} ms"),
            target("evaluate vs scan-every-rule baseline (matching; reports resolved beforehand)", f">= {TARGET_SPEEDUP:g}x",
                   f"{speedup:.1f}x", speedup, speedup >= TARGET_SPEEDUP,
                   f"{matching['index_ms']['median']} vs {matching['scan_ms']['median']} ms per home; same answers on "
                   f"{matching['identical_homes']}/{matching['homes']} homes; vs market-first scan "
                   f"{matching['speedup_vs_market_first_scan']:.2f}x"),
            target("the same, whole evaluation with the resolver cold on both sides", "(information)",
                   f"{whole['speedup']:.1f}x", whole["speedup"], None,
                   f"{whole['index_ms']['median']} vs {whole['scan_ms']['median']} ms per home; same answers on "
                   f"{whole['identical_homes']}/{whole['homes']} homes"),
            target("resolve throughput vs scan resolver", "(no target)", f"{idx_rate:.0f} devices/s",
                   rate_ratio, None, f"scan resolver {1 / median(scan_blocks):.1f} devices/s"),
        ],
    }
    save_section("household", results)
    return results


if __name__ == "__main__":
    main()
