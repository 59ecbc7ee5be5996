"""Ours against TRL on the same machine, alternating: warm-up of each side, then rounds A B A B ... (A = ours,
B = TRL), each run a fresh process. The machine's speed swings ~2.5x over minutes, so only ratios taken within a
round mean anything; the summary is the median over rounds of ours/TRL pairs/s and of ours/TRL peak memory.

  A: .build/release/dpo bench train --json --model bench/.inputs/model --data bench/.inputs/pairs.jsonl --steps N
  B: .venv-bench/bin/python bench/trl_dpo.py --json --model ... --data ... --steps N

--workload smollm2-lora and smollm2-full run the same on SmolLM2-135M-Instruct (bench/.inputs/smollm2/), with
rank-8 LoRA on every linear layer (TRL + PEFT) or every weight training, 4 pairs per step.

Both print one JSON object as their last line (keys pairs_per_s, tokens_per_s, seconds_per_step, peak_rss_mb,
first_loss, first_logps_chosen, first_logps_rejected; ours also gflops, sgemm_gflops, ratio, and
reference_precompute_s / reference_pairs / reference_gflops / reference_ratio for its cached reference pass). The first steps of both must agree: loss
ln 2 (policy = reference), and the first batch's mean summed completion log-probs within 1e-3.

Usage (from the repo root; `make bench-peer` builds and sets up first):
  .venv-bench/bin/python bench/peer.py [--workload tiny] [--rounds 3] [--steps 10]
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DPO = os.path.join(ROOT, ".build", "release", "dpo")
PYTHON = os.path.join(ROOT, ".venv-bench", "bin", "python")
LN2 = math.log(2)
LOSS_TOLERANCE = 1e-5
LOGPS_TOLERANCE = 1e-3
# A batch mean of summed log-probs over ~200 tokens (SmolLM2 on HH) carries float32 rounding of ~1e-6 per token:
# beyond |logps| of 100 the tolerance grows with the sum, 1e-5 of it.
LOGPS_RELATIVE_TOLERANCE = 1e-5


def logps_tolerance(value):
    return max(LOGPS_TOLERANCE, LOGPS_RELATIVE_TOLERANCE * abs(value)) if isinstance(value, (int, float)) else LOGPS_TOLERANCE


def fail(message):
    print(f"bench-peer: {message}", file=sys.stderr)
    sys.exit(2)


# The workloads: inputs (bench/make_peer_inputs.py --workload ...) and the options both sides get. SmolLM2 steps
# take TRL tens of seconds on 2 cores, so those runs are shorter: 4 pairs per step, one warm-up step.
# "input_set" names the inputs bench/make_peer_inputs.py builds for it (and bench/setup_peer.sh, which reads this
# table, asks it for). "targets" are the acceptance lines: pairs/s ratio (and counting our reference pass), peak
# memory ratio, and our model GFLOP/s against same-process sgemm (of the step, and of the reference pass).
WORKLOADS = {
    "tiny": {"input_set": "tiny", "options": [],
             "targets": {"speed": 5.0, "memory": 0.5, "ratio": 0.75}},
    "smollm2-lora": {"input_set": "smollm2",
                     "options": ["--lora", "8", "--batch-size", "4", "--warmup", "1"],
                     "targets": {"speed": 10.0, "speed_with_reference": 6.0, "memory": 0.3, "ratio": 0.7,
                                 "reference_ratio": 0.7}},
    "smollm2-full": {"input_set": "smollm2",
                     "options": ["--batch-size", "4", "--warmup", "1"],
                     "targets": {"speed": 5.0, "memory": 0.5, "ratio": 0.7, "reference_ratio": 0.7}},
}


def input_folder(input_set):
    """bench/.inputs for the tiny set, bench/.inputs/<name> for the others."""
    return os.path.join("bench", ".inputs", *([] if input_set == "tiny" else [input_set]))


def inputs(workload):
    folder = input_folder(WORKLOADS[workload]["input_set"])
    return os.path.join(folder, "model"), os.path.join(folder, "pairs.jsonl")


def commands(dpo, steps, workload):
    model, data = inputs(workload)
    options = WORKLOADS[workload]["options"]
    return {
        "ours": [dpo, "bench", "train", "--json", "--model", model, "--data", data, "--steps", str(steps)] + options,
        "TRL": [PYTHON, os.path.join("bench", "trl_dpo.py"), "--json", "--model", model, "--data", data,
                "--steps", str(steps)] + options,
    }


def preflight(dpo, workload):
    if not os.path.exists(PYTHON):
        fail(f"{PYTHON} is missing: run `make bench-peer-setup`")
    for path in inputs(workload):
        if not os.path.exists(os.path.join(ROOT, path)):
            fail(f"{path} is missing: run `make bench-peer-setup`")
    if not os.path.exists(dpo):
        fail(f"{dpo} is missing: run `make build`")
    # An unknown subcommand makes swift-argument-parser print the parent's help with exit 0, so look for ours.
    probe = subprocess.run([dpo, "bench", "train", "--help"], cwd=ROOT, capture_output=True, text=True)
    if probe.returncode != 0 or "dpo bench train" not in probe.stdout:
        fail(f"`dpo bench train` is not available in this build of {dpo} (`dpo bench train --help` shows no such "
             "command). It is the Swift side of this benchmark; docs/performance.md gives the command line and the "
             "JSON it must print.")


def run(side, command):
    """One fresh process; returns its last-line JSON plus the load average before it started."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stderr[-4000:])
        fail(f"{side} failed (exit {done.returncode}): {' '.join(command)}")
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        sys.stderr.write(done.stdout[-2000:])
        fail(f"{side}: the last line of its output is not JSON: {' '.join(command)}")
    missing = [k for k in ("pairs_per_s", "tokens_per_s", "seconds_per_step", "peak_rss_mb") if k not in result]
    if missing:
        fail(f"{side}: JSON lacks {missing}")
    result["_load"] = load
    result["_wall"] = wall
    return result


def fmt(value, spec):
    """`value` formatted with `spec`, or a dash as wide as the spec's width when the side did not report it."""
    if isinstance(value, (int, float)):
        return format(value, spec)
    width = spec.split(".")[0]
    return format("-", ">" + width) if width else "-"


HEADER = (f"{'round':>5}  {'side':<4}  {'s/step':>7}  {'pairs/s':>7}  {'tokens/s':>8}  {'peak MB':>7}  "
          f"{'GFLOP/s':>7}  {'sgemm':>6}  {'ratio':>5}  {'load':>4}  {'wall s':>6}")


def row(label, side, r):
    return (f"{label:>5}  {side:<4}  {fmt(r['seconds_per_step'], '7.3f')}  {fmt(r['pairs_per_s'], '7.2f')}  "
            f"{fmt(r['tokens_per_s'], '8.0f')}  {fmt(r['peak_rss_mb'], '7.0f')}  {fmt(r.get('gflops'), '7.1f')}  "
            f"{fmt(r.get('sgemm_gflops'), '6.1f')}  {fmt(r.get('ratio'), '5.2f')}  {fmt(r['_load'], '4.1f')}  "
            f"{fmt(r['_wall'], '6.1f')}")


def with_reference_pass(ours):
    """Our pairs/s if each pair also paid its share of the reference log-prob pass that ours does once, before
    training, and caches (TRL runs the reference model in every step). None unless ours reports both keys."""
    seconds, pairs = ours.get("reference_precompute_s"), ours.get("reference_pairs")
    if not isinstance(seconds, (int, float)) or not isinstance(pairs, (int, float)) or pairs <= 0:
        return None
    return 1 / (1 / ours["pairs_per_s"] + seconds / pairs)


def first_step_checks(ours, trl):
    """Lines describing the step-1 agreement, and whether everything agreed."""
    lines, ok = [], True
    for side, r in (("ours", ours), ("TRL", trl)):
        loss = r.get("first_loss")
        good = isinstance(loss, (int, float)) and abs(loss - LN2) <= LOSS_TOLERANCE
        ok &= good
        lines.append(f"  step-1 loss {side:<4} {fmt(loss, '.6f')}  (ln 2 = {LN2:.6f})  {'ok' if good else 'MISMATCH'}")
    for key in ("first_logps_chosen", "first_logps_rejected"):
        a, b = ours.get(key), trl.get(key)
        good = isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= logps_tolerance(b)
        ok &= good
        diff = fmt(abs(a - b), ".2e") if good or (isinstance(a, (int, float)) and isinstance(b, (int, float))) else "-"
        lines.append(f"  {key:<21} ours {fmt(a, '.4f')}  TRL {fmt(b, '.4f')}  |diff| {diff}  "
                     f"{'ok' if good else 'MISMATCH'} (tolerance {logps_tolerance(b):.2g})")
    for key in ("first_logps_chosen_per_pair", "first_logps_rejected_per_pair"):
        a, b = ours.get(key), trl.get(key)
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            worst = max(abs(x - y) for x, y in zip(a, b))
            lines.append(f"  {key:<29} max |diff| {worst:.2e} over {len(a)} pairs")
    return lines, ok


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="measured A B rounds after the warm-up (at least 3)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per run (each side adds its warm-up)")
    parser.add_argument("--dpo", default=DPO, help="our binary (default .build/release/dpo)")
    parser.add_argument("--save", help="also write every run's JSON to this file")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="tiny",
                        help="tiny (the default), smollm2-lora or smollm2-full")
    args = parser.parse_args()
    if args.rounds < 3:
        fail("--rounds must be at least 3")

    preflight(args.dpo, args.workload)
    cmds = commands(args.dpo, args.steps, args.workload)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs; workload {args.workload}, {args.rounds} rounds "
          f"of {args.steps} timed steps, A = ours, B = TRL")
    for side, command in cmds.items():
        print(f"  {side}: {' '.join(command)}")
    # Our sgemm moves with OpenBLAS's kernels (on a Zen 5 machine, Haswell's ran at half of its own Cooperlake
    # choice); TRL's torch calls MKL, which does not read it.
    print(f"  OPENBLAS_CORETYPE: {os.environ.get('OPENBLAS_CORETYPE', 'unset (OpenBLAS chooses the kernels)')}")
    print(HEADER)

    warm = {side: run(side, cmds[side]) for side in ("ours", "TRL")}
    for side in ("ours", "TRL"):
        print(row("warm", side, warm[side]))

    rounds = []
    for i in range(1, args.rounds + 1):
        ours = run("ours", cmds["ours"])
        print(row(i, "ours", ours))
        trl = run("TRL", cmds["TRL"])
        print(row(i, "TRL", trl))
        print(f"{'':>5}  ours/TRL: pairs/s x{ours['pairs_per_s'] / trl['pairs_per_s']:.2f}, "
              f"peak memory x{ours['peak_rss_mb'] / trl['peak_rss_mb']:.2f}")
        rounds.append((ours, trl))

    if args.save:
        with open(args.save, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M"), "commands": cmds, "warm": warm,
                       "rounds": [{"ours": o, "TRL": t} for o, t in rounds]}, f, indent=1)
        print(f"raw results: {args.save}")
    sys.exit(0 if summarize(rounds, WORKLOADS[args.workload]["targets"]) else 1)


def summarize(rounds, targets):
    """Prints the medians over rounds, the step-1 checks and the acceptance lines; True if step 1 agreed."""
    speeds = [o["pairs_per_s"] / t["pairs_per_s"] for o, t in rounds]
    memories = [o["peak_rss_mb"] / t["peak_rss_mb"] for o, t in rounds]
    speed, memory = statistics.median(speeds), statistics.median(memories)
    print()
    print(f"median over {len(rounds)} rounds: pairs/s ours/TRL x{speed:.2f} (rounds: "
          + ", ".join(f"{x:.2f}" for x in speeds) + f"), peak memory ours/TRL x{memory:.2f} (rounds: "
          + ", ".join(f"{x:.2f}" for x in memories) + ")")
    for side, i in (("ours", 0), ("TRL", 1)):
        print(f"  {side}: median {statistics.median(r[i]['pairs_per_s'] for r in rounds):.2f} pairs/s, "
              f"{statistics.median(r[i]['tokens_per_s'] for r in rounds):.0f} tokens/s, "
              f"{statistics.median(r[i]['seconds_per_step'] for r in rounds):.3f} s/step, "
              f"{statistics.median(r[i]['peak_rss_mb'] for r in rounds):.0f} MB peak")
    with_reference = [with_reference_pass(o) for o, _ in rounds]
    speed_with_reference = None
    if all(x is not None for x in with_reference):
        speed_with_reference = statistics.median(x / t["pairs_per_s"] for x, (_, t) in zip(with_reference, rounds))
        print(f"  counting ours' one-time reference pass (reference_precompute_s spread over reference_pairs): "
              f"pairs/s ours/TRL x{speed_with_reference:.2f} (a single epoch's cost; runs that share the cache skip it)")

    lines, agreed = first_step_checks(*rounds[0])
    print("first step (round 1):")
    print("\n".join(lines))

    def verdict(passed):
        return "PASS" if passed else "FAIL"

    print("acceptance:")
    print(f"  pairs/s ours/TRL >= {targets['speed']}: x{speed:.2f} {verdict(speed >= targets['speed'])}")
    if "speed_with_reference" in targets and speed_with_reference is not None:
        goal = targets["speed_with_reference"]
        print(f"  pairs/s ours/TRL counting our reference pass >= {goal}: x{speed_with_reference:.2f} "
              f"{verdict(speed_with_reference >= goal)}")
    print(f"  peak memory ours/TRL <= {targets['memory']}: x{memory:.2f} {verdict(memory <= targets['memory'])}")
    for key, what in (("ratio", "model GFLOP/s / sgemm GFLOP/s"), ("reference_ratio", "reference pass GFLOP/s / sgemm GFLOP/s")):
        values = [o[key] for o, _ in rounds if isinstance(o.get(key), (int, float))]
        if key in targets and values:
            value = statistics.median(values)
            print(f"  {what} >= {targets[key]} (ours, median): {value:.2f} {verdict(value >= targets[key])}")
    print(f"  step-1 metrics agree: {'PASS' if agreed else 'FAIL'}")
    return agreed


if __name__ == "__main__":
    main()
