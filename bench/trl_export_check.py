"""Runs an exported TRL config (`dpo export trl RUN --out DIR`) with TRL on CPU for 2 steps and compares its step-1
metrics with the run's own step 1 (to 1e-3, relative for large values). A third column recomputes step 1 in plain
transformers, one unpadded sequence at a time with autograd (the first batch, in file order, DPO + the `sft` term as
the export weights them), which tells our numbers from TRL's padded-batch numerics when the two disagree.
`make trl-export-check` makes the run, the export and this comparison; not part of CI (it needs torch and TRL in
.venv-bench).

  python bench/trl_export_check.py EXPORT_DIR RUN_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import torch
import yaml
from transformers import AutoModelForCausalLM, AutoTokenizer

KEYS = ["loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen",
        "logps/rejected", "grad_norm", "learning_rate"]


def unpadded_step_one(export: str) -> dict:
    """Step 1's loss, logps and gradient norm, one sequence at a time (policy = reference, so Δ = 0)."""
    with open(os.path.join(export, "trl_config.yaml")) as f:
        config = yaml.safe_load(f)
    types, weights = config["loss_type"], config.get("loss_weights") or [1.0] * len(config["loss_type"])
    if not set(types) <= {"sigmoid", "sft"}:
        return {}
    model_dir = os.path.join(export, config["model_name_or_path"])
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.train()
    with open(os.path.join(export, "data", "train.jsonl")) as f:
        rows = [json.loads(line) for _, line in zip(range(config["per_device_train_batch_size"]), f)]
    chosen, rejected, nll, tokens = [], [], 0.0, 0
    for row in rows:
        prompt = tokenizer(row["prompt"], add_special_tokens=False).input_ids
        sums = []
        for key in ("chosen", "rejected"):
            completion = tokenizer(row[key], add_special_tokens=False).input_ids + [tokenizer.eos_token_id]
            ids = torch.tensor([prompt + completion])
            logps = torch.log_softmax(model(ids).logits[0, :-1].float(), -1)
            per_token = logps[torch.arange(ids.shape[1] - 1), ids[0, 1:]][len(prompt) - 1:]
            sums.append(per_token.sum())
            if key == "chosen":
                nll, tokens = nll - per_token.sum(), tokens + len(completion)
        chosen.append(sums[0])
        rejected.append(sums[1])
    chosen, rejected = torch.stack(chosen), torch.stack(rejected)
    delta = (chosen - chosen.detach()) - (rejected - rejected.detach())
    loss = 0.0
    for loss_type, weight in zip(types, weights):
        term = -torch.nn.functional.logsigmoid(config["beta"] * delta).mean() if loss_type == "sigmoid" else nll / tokens
        loss = loss + weight * term
    loss.backward()
    norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters() if p.grad is not None))
    return {"loss": loss.item(), "logps/chosen": chosen.mean().item(), "logps/rejected": rejected.mean().item(),
            "grad_norm": norm.item()}


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
    exact = unpadded_step_one(export)
    failed = False
    print(f"{'metric':22} {'dpo':>14} {'TRL':>14} {'unpadded':>14}")
    for key in KEYS:
        if key not in trl or key not in ours:
            print(f"{key:22} {'-' if key not in ours else ours[key]:>14} {'-' if key not in trl else trl[key]:>14}  (not logged by both)")
            continue
        a, b = ours[key], trl[key]
        ok = abs(a - b) <= 1e-3 * max(1.0, abs(b))
        failed |= not ok
        third = f"{exact[key]:14.6f}" if key in exact else f"{'':14}"
        print(f"{key:22} {a:14.6f} {b:14.6f} {third}  {'ok' if ok else 'DIFFERS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
