#!/usr/bin/python3
"""Summarise grove-bench JSON output as Markdown tables.

Usage: bench/summarize.py results.json [--machine "text"]

For every model: ns per (row x tree) of each variant for each batch size and thread count, and
the speedup against XGBoost measured in the same run (same batch size and thread count). Then the
geometric mean over the models of each variant's speedup at 100k rows, one thread.

Uses the median aggregate when the run had repetitions, else the single run. Standard library only.
"""

import json
import math
import re
import sys
from collections import OrderedDict

NAME_RE = re.compile(r"^(?P<model>[^/]+)/(?P<variant>[^/]+)/rows:(?P<rows>\d+)/thr:(?P<thr>\d+)")
CONTROL_RE = re.compile(r"^machine/simd_fma/thr:(?P<thr>\d+)")
PAIRED_RE = re.compile(r"^(?P<model>[^/]+)/paired_threads/")


def load(path):
    with open(path) as f:
        doc = json.load(f)
    runs = doc.get("benchmarks", [])
    # Per benchmark: the median aggregate when it had repetitions, else its single run.
    table = {}  # (model, variant, rows, thr) -> (ns_per_row_tree, rows_per_s, label)
    priority = {}
    control = {}  # thread count -> real time of the machine's SIMD control (median)
    paired = {}  # model -> counters of its paired_threads run
    for r in runs:
        if r.get("error_occurred"):
            continue
        if r.get("run_type") == "aggregate":
            if r.get("aggregate_name") != "median":
                continue
            prio = 2
        else:
            prio = 1
        c = CONTROL_RE.match(r.get("run_name") or r["name"])
        if c and (prio == 2 or int(c["thr"]) not in control):
            control[int(c["thr"])] = r["real_time"]
        pm = PAIRED_RE.match(r.get("run_name") or r["name"])
        if pm:
            paired[pm["model"]] = r
            continue
        m = NAME_RE.match(r.get("run_name") or r["name"])
        if not m:
            continue
        key = (m["model"], m["variant"], int(m["rows"]), int(m["thr"]))
        if priority.get(key, 0) > prio:
            continue
        ns = r.get("ns_per_row_tree")
        if ns is None and r.get("trees"):
            # Fallback: real_time is per iteration, in time_unit.
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[r.get("time_unit", "ns")]
            ns = r["real_time"] * scale / (int(m["rows"]) * r["trees"])
        if prio == priority.get(key, 0) and key in table:
            # Several single runs (repetitions without aggregates): keep the median.
            continue
        priority[key] = prio
        table[key] = (ns, r.get("rows_per_s"), r.get("label", ""))
    return doc.get("context", {}), table, control, paired


def variant_order(v):
    fixed = {"xgboost": 0, "predictor": 1, "reference": 2}
    return (fixed.get(v, 3), v)


def fmt_ns(ns):
    if ns is None:
        return "-"
    return f"{ns:.2f}" if ns < 100 else f"{ns:.0f}"


def fmt_rows(rps):
    if rps is None:
        return "-"
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if rps >= div:
            return f"{rps / div:.1f}{unit}"
    return f"{rps:.0f}"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    context, table, control, paired = load(argv[1])
    if not table and not paired:
        print("no benchmark results in " + argv[1], file=sys.stderr)
        return 1
    models = list(OrderedDict.fromkeys([k[0] for k in table] + list(paired)))
    variants = sorted({k[1] for k in table}, key=variant_order)
    configs = sorted({(k[2], k[3]) for k in table})

    out = []
    out.append(f"XGBoost {context.get('xgboost_version', '?')} via "
               f"{context.get('xgboost_path', 'XGBoosterPredictFromDense')}; "
               f"OMP_WAIT_POLICY={context.get('OMP_WAIT_POLICY', '?')}; "
               f"grove engine {context.get('grove_engine', '?')}; "
               f"host {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs "
               f"@ {context.get('mhz_per_cpu', '?')} MHz, {context.get('date', '')}")
    out.append("")
    out.append("Cells: ns per (row x tree) (median of repetitions), and in brackets the speedup "
               "over XGBoost in the same run at the same batch size and thread count "
               "(> 1: faster than XGBoost).")
    out.append("")

    speedups_100k_1t = {v: [] for v in variants}
    for model in models:
        if not any(k[0] == model for k in table):
            continue  # only its paired_threads run (a filtered run)
        out.append(f"### {model}")
        if context.get("model:" + model):
            out.append("")
            out.append(context["model:" + model])
        out.append("")
        header = "| variant | " + " | ".join(f"{rows} rows, {thr} thr" for rows, thr in configs) + " |"
        out.append(header)
        out.append("|---|" + "---|" * len(configs))
        for v in variants:
            cells = []
            any_cell = False
            for rows, thr in configs:
                cur = table.get((model, v, rows, thr))
                base = table.get((model, "xgboost", rows, thr))
                if cur is None or cur[0] is None:
                    cells.append("")
                    continue
                any_cell = True
                cell = fmt_ns(cur[0])
                if v != "xgboost" and base is not None and base[0]:
                    ratio = base[0] / cur[0]
                    cell += f" ({ratio:.2f}x)"
                    if rows == 100000 and thr == 1:
                        speedups_100k_1t[v].append(ratio)
                if "NOT bit-exact" in (cur[2] or ""):
                    cell += " !inexact"
                cells.append(cell)
            if any_cell:
                out.append(f"| {v} | " + " | ".join(cells) + " |")
        out.append("")
        best = None
        for v in variants:
            cur = table.get((model, v, 100000, 1))
            if cur and cur[0] is not None and v != "xgboost" and (best is None or cur[0] < best[1][0]):
                best = (v, cur)
        base = table.get((model, "xgboost", 100000, 1))
        if best and base:
            out.append(f"100k rows, 1 thread: fastest grove variant {best[0]} at "
                       f"{fmt_rows(best[1][1])} rows/s vs XGBoost {fmt_rows(base[1])} rows/s.")
            out.append("")

    out.append("### Geometric mean of the speedup over XGBoost, 100k rows, 1 thread")
    out.append("")
    out.append("| variant | models | geomean speedup |")
    out.append("|---|---|---|")
    for v in variants:
        xs = speedups_100k_1t.get(v) or []
        if v == "xgboost" or not xs:
            continue
        g = math.exp(sum(math.log(x) for x in xs) / len(xs))
        out.append(f"| {v} | {len(xs)} | {g:.2f}x |")
    out.extend(scaling_table(models, table, control))
    out.extend(paired_table(models, paired))
    print("\n".join(out))
    return 0


def scaling_table(models, table, control):
    """Time with one thread over time with all cores, 100k rows, beside the machine's control."""
    threads = sorted({k[3] for k in table if k[3] > 1})
    if not threads:
        return []
    many = threads[-1]
    out = ["", f"### Threads: 100k rows, time with 1 thread / time with {many}", ""]
    out.append("| model | predictor | xgboost |")
    out.append("|---|---|---|")

    def ratio(model, variant):
        one, all_ = table.get((model, variant, 100000, 1)), table.get((model, variant, 100000, many))
        if not one or not all_ or not one[0] or not all_[0]:
            return "-"
        return f"{one[0] / all_[0]:.2f}x"

    for model in models:
        out.append(f"| {model} | {ratio(model, 'predictor')} | {ratio(model, 'xgboost')} |")
    if 1 in control and many in control:
        out.append("")
        out.append(f"Control in the same run (machine/simd_fma: register-only SIMD multiply-adds, "
                   f"no memory traffic): {control[1] / control[many]:.2f}x with {many} threads.")
    return out


def paired_table(models, paired):
    """The paired_threads runs: one thread against all cores, alternated call by call."""
    rows = [m for m in models if m in paired]
    if not rows:
        return []
    threads = int(paired[rows[0]].get("threads", 0))
    out = ["", f"### Threads in pairs: 100k rows, 1 thread / {threads}, alternated call by call", "",
           "Each round times the predictor with 1 thread, then with all cores, then the control "
           "the same two ways; medians over the rounds, quartiles in brackets. `of control`: the "
           "median of the two ratios' quotient per round.", "",
           "| model | predictor | control, same rounds | of control | rounds |",
           "|---|---|---|---|---|"]
    for model in rows:
        r = paired[model]
        out.append(f"| {model} | {r['speedup']:.2f}x [{r['speedup_q1']:.2f}, {r['speedup_q3']:.2f}] "
                   f"| {r['control_speedup']:.2f}x [{r['control_q1']:.2f}, {r['control_q3']:.2f}] "
                   f"| {r['of_control']:.2f} | {int(r['rounds'])} |")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv))
