"""Runs an exported TRL config (`dpo export trl RUN --out DIR`) with TRL on CPU for 2 steps and compares its step-1
metrics with the run's own step 1 (to 1e-3, relative for large values). `make trl-export-check` makes the run, the
export and this comparison; not part of CI (it needs torch and TRL in .venv-bench).

  python bench/trl_export_check.py EXPORT_DIR RUN_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

KEYS = ["loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen",
        "logps/rejected", "grad_norm", "learning_rate"]


def main() -> int:
    export, run = (os.path.abspath(p) for p in sys.argv[1:3])
    output = tempfile.mkdtemp(prefix="trl-export-check-")
    subprocess.run(
        [sys.executable, "-m", "trl.scripts.dpo", "--config", "trl_config.yaml", "--max_steps", "2", "--output_dir", output,
         "--save_strategy", "steps", "--save_steps", "1", "--report_to", "none", "--use_cpu", "true",
         "--eval_strategy", "no"],
        cwd=export, check=True)
    with open(os.path.join(output, "checkpoint-1", "trainer_state.json")) as f:
        trl = next(entry for entry in json.load(f)["log_history"] if entry.get("step") == 1)
    with open(os.path.join(run, "metrics.jsonl")) as f:
        ours = next(row for row in map(json.loads, f) if row.get("step") == 1)
    failed = False
    print(f"{'metric':22} {'dpo':>14} {'TRL':>14}")
    for key in KEYS:
        if key not in trl or key not in ours:
            print(f"{key:22} {'-' if key not in ours else ours[key]:>14} {'-' if key not in trl else trl[key]:>14}  (not logged by both)")
            continue
        a, b = ours[key], trl[key]
        ok = abs(a - b) <= 1e-3 * max(1.0, abs(b))
        failed |= not ok
        print(f"{key:22} {a:14.6f} {b:14.6f}  {'ok' if ok else 'DIFFERS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
