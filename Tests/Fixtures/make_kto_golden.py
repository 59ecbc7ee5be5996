"""Golden KTO training run from Hugging Face TRL's KTOTrainer, for the Swift KTO trainer to match.

Runs trl.KTOTrainer on CPU for 3 optimizer steps on the tiny Llama in Tests/Fixtures/golden/eval_model/ (written by
make_eval_golden.py) with 4 unpaired examples {prompt, completion, label} -- 2 desirable, 2 undesirable, interleaved
True, False, True, False -- in ONE batch of 4 (so each step sees the whole dataset), and writes
Tests/Fixtures/golden/kto/expected.json:

  versions          -- torch, transformers, trl (and datasets, accelerate, tokenizers, python)
  config            -- every hyperparameter that matters, including the KTOConfig defaults this run relies on
  examples          -- per example, in dataset order: "prompt_ids", "completion_ids", "kl_completion_ids", "label",
                       read from TRL's own preprocessed train_dataset and checked against the batch TRL's collator
                       actually fed the model at every step (prompt_ids + completion_ids == the row's input ids;
                       the completion mask / loss labels cover exactly completion_ids; same for the KL row), plus
                       "kl_source_example" (the index of the example whose completion the KL row borrows)
  initial           -- per example, "logp" and "kl_logp": summed completion log-probs under the initial model, from a
                       plain forward pass here (batch 1, no padding, eager attention, float32)
  steps             -- one object per optimizer step with every scalar TRL logged in trainer.state.log_history for
                       that step, under TRL's own key names, as full-precision floats
  step_inputs       -- per step, per example, "logp" and "kl_logp" of the policy at the parameters that step's loss
                       was computed with (plain forward here, taken in a callback at on_step_begin; step 1 equals
                       "initial"), and "kl_unclamped", the batch-mean KL estimate before TRL clamps it at 0, to
                       localise a mismatch
  final_weight_norms -- L2 norm of every parameter after the 3 steps (float64 sums), to check the optimizer path
  notes             -- what this script verified in the installed TRL source

Run from the repo root inside a venv that lives OUTSIDE the repo (never commit the venv):
  python3 -m venv /tmp/kto-venv
  /tmp/kto-venv/bin/pip install "torch==2.13.0+cpu"        # the +cpu wheel: pip's find-links (/opt/wheels here), or
                                                          # PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
  /tmp/kto-venv/bin/pip install "torch==2.13.0+cpu" transformers tokenizers safetensors trl datasets accelerate
  /tmp/kto-venv/bin/python Tests/Fixtures/make_kto_golden.py

Deterministic (seeded, one thread, deterministic algorithms, sequential sampler, no dropout). Offline: no hub access.
CI never runs this script; Swift tests read its committed output.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import json
import math
import platform
import re
import sys
import tempfile

import accelerate
import datasets
import tokenizers
import torch
import transformers
import trl
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import KTOConfig, KTOTrainer

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "golden", "eval_model")
OUT_DIR = os.path.join(HERE, "golden", "kto")
OUT = os.path.join(OUT_DIR, "expected.json")

SEED = 0
BATCH = 4
STEPS = 3

# Plain text, a few words each. Every prompt ends without a trailing space and every completion starts with one, so
# the byte-level BPE never merges across the boundary (checked below: the prompt tokenized alone is a prefix of the
# prompt + completion tokenized together).
RECORDS = [
    {"prompt": "Question: is it sunny today?\nAnswer:", "completion": " yes, the sun is out.", "label": True},
    {"prompt": "Where does the river go?", "completion": " to the old house.", "label": False},
    {"prompt": "What did the boy read?", "completion": " a story about the sea.", "label": True},
    {"prompt": "Question: who can help me?\nAnswer:", "completion": " no one here.", "label": False},
]

CONFIG = dict(
    per_device_train_batch_size=BATCH,
    gradient_accumulation_steps=1,
    max_steps=STEPS,
    learning_rate=1e-3,
    lr_scheduler_type="constant",
    warmup_steps=0,
    beta=0.1,
    desirable_weight=1.0,
    undesirable_weight=1.0,
    loss_type="kto",
    optim="adamw_torch",
    weight_decay=0.0,
    adam_beta1=0.9,
    adam_beta2=0.999,
    adam_epsilon=1e-8,
    max_grad_norm=1.0,
    logging_steps=1,
    seed=SEED,
    data_seed=SEED,
    report_to=[],
    use_cpu=True,
    eval_strategy="no",
    save_strategy="no",
    bf16=False,  # KTOConfig defaults bf16 to True when fp16 is unset
    fp16=False,
    remove_unused_columns=False,
    disable_dropout=True,
    gradient_checkpointing=False,  # KTOConfig defaults it to True; no dropout, so it would not change any number
    max_length=1024,  # KTOConfig default; nothing here comes near it, so no truncation
    precompute_ref_log_probs=False,  # KTOConfig default: the reference runs on every step
    sync_ref_model=False,  # KTOConfig default: the reference stays the initial model
    train_sampling_strategy="sequential",  # KTOConfig default (required while the KL term is computed)
    dataloader_num_workers=0,
    dataloader_drop_last=False,
)


def load_model():
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32, attn_implementation="eager")
    assert model.dtype == torch.float32
    return model


@torch.no_grad()
def summed_logp(model, prompt_ids, completion_ids):
    """sum over completion tokens t of log_softmax(logits at t-1)[token t]; batch 1, no padding, positions 0..n-1."""
    ids = torch.tensor([prompt_ids + completion_ids], dtype=torch.int64)
    logits = model(input_ids=ids, use_cache=False).logits[0].double()
    logps = torch.log_softmax(logits, dim=-1)
    start = len(prompt_ids)
    return float(sum(logps[t - 1, ids[0, t]] for t in range(start, ids.shape[1])))


class RecordingKTOTrainer(KTOTrainer):
    """Keeps a copy of every batch TRL's collator hands to compute_loss (nothing else changes)."""

    seen_batches = []

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.model.training:
            self.seen_batches.append({k: v.detach().cpu().clone() for k, v in inputs.items() if torch.is_tensor(v)})
        return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)


class PolicySnapshot(TrainerCallback):
    """Per-step policy log-probs of each example, at the parameters the step's loss is computed with."""

    def __init__(self, rows):
        self.rows = rows
        self.per_step = []

    def on_step_begin(self, args, state, control, model=None, **kwargs):
        was_training = model.training
        model.eval()
        self.per_step.append({
            "step": state.global_step + 1,
            "examples": [
                {
                    "logp": summed_logp(model, r["prompt_ids"], r["completion_ids"]),
                    "kl_logp": summed_logp(model, r["prompt_ids"], r["kl_completion_ids"]),
                }
                for r in self.rows
            ],
        })
        if was_training:
            model.train()


def strip_row(input_ids, attention_mask, completion_mask, i):
    n = int(attention_mask[i].sum())
    assert attention_mask[i, :n].all() and not attention_mask[i, n:].any(), "collator pads on the right"
    ids = input_ids[i, :n].tolist()
    mask = completion_mask[i, :n].tolist()
    return ids, mask


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    eos_id = tokenizer.eos_token_id
    assert tokenizer.bos_token is None, "the fixture tokenizer has no BOS"

    model = load_model()
    initial_model = load_model()
    initial_model.eval()

    train_dataset = Dataset.from_list(RECORDS)
    work = tempfile.mkdtemp(prefix="kto-golden-")
    args = KTOConfig(output_dir=work, **CONFIG)
    trainer = RecordingKTOTrainer(
        model=model,
        ref_model=None,  # TRL's default: it loads a frozen copy of the initial model from the same folder
        args=args,
        train_dataset=train_dataset,
        processing_class=tokenizer,
    )
    assert trainer.calculate_KL, "the KL term must be computed (loss_type kto, batch size > 1)"
    assert trainer.ref_model is not None and trainer.ref_model is not trainer.model

    # ---- the token ids TRL feeds the model, from its own preprocessing
    ds = trainer.train_dataset
    assert len(ds) == len(RECORDS)
    rows = []
    for i, rec in enumerate(RECORDS):
        row = ds[i]
        assert row["prompt"] == rec["prompt"] and bool(row["label"]) == rec["label"], "dataset order is kept"
        p, c, k = list(row["prompt_ids"]), list(row["completion_ids"]), list(row["KL_completion_ids"])
        # The prompt alone must tokenize to exactly the prompt part (no BPE merge across the boundary), so TRL's
        # common_prefix_length cut is the plain prompt length.
        assert p == tokenizer(rec["prompt"])["input_ids"], f"example {i}: prompt ids differ from the prompt alone"
        assert p + c == tokenizer(rec["prompt"] + rec["completion"] + tokenizer.eos_token)["input_ids"]
        assert c[-1] == eos_id and eos_id not in p and eos_id not in c[:-1], "one EOS, at the completion's end"
        # ... and the same ids come out when prompt and completion are tokenized separately (the Swift PairEncoder's
        # way): no special tokens, EOS appended to the completion.
        assert p == tokenizer(rec["prompt"], add_special_tokens=False)["input_ids"]
        assert c == tokenizer(rec["completion"], add_special_tokens=False)["input_ids"] + [eos_id]
        rows.append({"prompt_ids": p, "completion_ids": c, "kl_completion_ids": k, "label": rec["label"]})

    # Which completion each KL row borrows (TRL rotates completions by +1 within each preprocessing batch).
    for i, r in enumerate(rows):
        sources = [j for j, s in enumerate(rows) if s["completion_ids"] == r["kl_completion_ids"]]
        assert len(sources) == 1, f"example {i}: KL completion matches {sources}"
        r["kl_source_example"] = sources[0]
        assert sources[0] == (i - 1) % BATCH, "KL row i uses completion (i - 1) mod batch"
        assert sources[0] != i

    initial = [
        {
            "logp": summed_logp(initial_model, r["prompt_ids"], r["completion_ids"]),
            "kl_logp": summed_logp(initial_model, r["prompt_ids"], r["kl_completion_ids"]),
        }
        for r in rows
    ]
    total = max(len(r["prompt_ids"]) + max(len(r["completion_ids"]), len(r["kl_completion_ids"])) for r in rows)
    assert total < 64, total

    snapshot = PolicySnapshot(rows)
    trainer.add_callback(snapshot)
    trainer.train()

    # ---- the batches actually fed: one per step, the whole dataset in order, ids exactly as recorded
    assert len(trainer.seen_batches) == STEPS, len(trainer.seen_batches)
    for b in trainer.seen_batches:
        assert b["label"].tolist() == [r["label"] for r in rows]
        for prefix, key in [("", "completion_ids"), ("KL_", "kl_completion_ids")]:
            for i, r in enumerate(rows):
                ids, mask = strip_row(
                    b[f"{prefix}input_ids"], b[f"{prefix}attention_mask"], b[f"{prefix}completion_mask"], i
                )
                assert ids == r["prompt_ids"] + r[key], (prefix, i)
                assert mask == [0] * len(r["prompt_ids"]) + [1] * len(r[key]), (prefix, i)
                # TRL's loss labels: input_ids with every non-completion position set to -100, shifted by one
                labels = b[f"{prefix}input_ids"][i].masked_fill(b[f"{prefix}completion_mask"][i] == 0, -100).tolist()
                counted = [t for t in labels if t != -100]
                assert counted == r[key], (prefix, i)
                assert labels[: len(r["prompt_ids"])] == [-100] * len(r["prompt_ids"])

    # ---- TRL's logs, one entry per optimizer step
    steps = [h for h in trainer.state.log_history if "loss" in h and "train_runtime" not in h]
    assert [h["step"] for h in steps] == list(range(1, STEPS + 1)), steps
    step_entries = []
    for h in steps:
        entry = {}
        for key, value in h.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            assert math.isfinite(value), (key, value)
            entry[key] = value if key == "step" else float(value)
        step_entries.append(entry)
    losses = [e["loss"] for e in step_entries]
    assert len(set(losses)) == STEPS, f"loss must change across steps: {losses}"
    assert len(snapshot.per_step) == STEPS
    for a, b in zip(snapshot.per_step[0]["examples"], initial):
        assert abs(a["logp"] - b["logp"]) < 1e-9 and abs(a["kl_logp"] - b["kl_logp"]) < 1e-9
    # The KL estimate before TRL's clamp, from this script's float64 sums (TRL sums in float32): a cross-check of the
    # logged "kl" and a record of which steps exercise the clamp at 0.
    coverage = []
    for s, entry in zip(snapshot.per_step, step_entries):
        ex = s["examples"]
        s["kl_unclamped"] = sum(e["kl_logp"] - r["kl_logp"] for e, r in zip(ex, initial)) / len(ex)
        assert abs(max(s["kl_unclamped"], 0.0) - entry["kl"]) < 1e-4, (s["kl_unclamped"], entry["kl"])
        if s["kl_unclamped"] < 0:
            coverage.append(f"step {s['step']}: the KL estimate is negative ({s['kl_unclamped']:.6g}), logged and used as 0")
        if entry["grad_norm"] > CONFIG["max_grad_norm"]:
            coverage.append(f"step {s['step']}: grad_norm {entry['grad_norm']:.6g} > max_grad_norm, so the gradient is clipped")

    final_weight_norms = {
        name: float(param.detach().double().pow(2).sum().sqrt()) for name, param in trainer.model.named_parameters()
    }

    kto_defaults = KTOConfig(output_dir=work, use_cpu=True)
    result = {
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "trl": trl.__version__,
            "datasets": datasets.__version__,
            "accelerate": accelerate.__version__,
            "tokenizers": tokenizers.__version__,
            "python": platform.python_version(),
        },
        "config": {
            **{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in CONFIG.items()},
            "ref_model": "None (TRL loads a frozen copy of the initial model from the same folder)",
            "dtype": "float32",
            "attn_implementation": "eager",
            "calculate_KL": bool(trainer.calculate_KL),
            "logps_reduction": "sum over completion tokens (no averaging by length)",
            "kl_clamp_min": 0.0,
            "kl_has_gradient": False,
            "kl_pairing": "KL row i pairs prompt i with completion (i - 1) mod 4",
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": eos_id,
            "bos_token_id": tokenizer.bos_token_id,
            "kto_config_defaults": {  # KTOConfig() as installed, for reference; this run overrides some (above)
                "loss_type": kto_defaults.loss_type,
                "beta": kto_defaults.beta,
                "desirable_weight": kto_defaults.desirable_weight,
                "undesirable_weight": kto_defaults.undesirable_weight,
                "max_length": kto_defaults.max_length,
                "precompute_ref_log_probs": kto_defaults.precompute_ref_log_probs,
                "sync_ref_model": kto_defaults.sync_ref_model,
                "disable_dropout": kto_defaults.disable_dropout,
                "train_sampling_strategy": kto_defaults.train_sampling_strategy,
                "gradient_checkpointing": kto_defaults.gradient_checkpointing,
                "bf16": kto_defaults.bf16,
                "learning_rate": kto_defaults.learning_rate,
                "weight_decay": kto_defaults.weight_decay,
                "adam_beta1": kto_defaults.adam_beta1,
                "adam_beta2": kto_defaults.adam_beta2,
                "adam_epsilon": kto_defaults.adam_epsilon,
                "max_grad_norm": kto_defaults.max_grad_norm,
                "optim": str(kto_defaults.optim.value if hasattr(kto_defaults.optim, "value") else kto_defaults.optim),
            },
        },
        "records": RECORDS,
        "examples": rows,
        "initial": initial,
        "steps": step_entries,
        "step_inputs": snapshot.per_step,
        "final_weight_norms": final_weight_norms,
        "notes": NOTES + coverage,
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    text = json.dumps(result, indent=1)
    # Lists of numbers on one line each (token ids), so the file stays short and diffable
    text = re.sub(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text)
    assert json.loads(text) == result
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes); losses {losses}", file=sys.stderr)
    print(OUT)


NOTES = [
    "Tokenization (trl/trainer/kto_trainer.py, KTOTrainer._prepare_dataset): add_eos appends the EOS token TEXT to "
    "each completion string, then tokenize_fn tokenizes the prompt alone and prompt + completion together "
    "(trl/data_utils.py _tokenize: tokenizer(text=...), default add_special_tokens; this tokenizer adds no BOS), "
    "and the completion is what follows common_prefix_length(prompt_ids, prompt_completion_ids). Here the prompt's "
    "ids are a strict prefix, so completion_ids = the completion's ids with EOS last; this script asserts it.",
    "KL completions (KTOTrainer._prepare_dataset, add_kl_completion_ids, dataset.map batched with batch_size = "
    "per_device_train_batch_size): KL_completion_ids = [completion_ids[-1]] + completion_ids[:-1], i.e. KL row i "
    "= prompt i + completion (i - 1) mod batch: example 0 uses example 3's completion, 1 uses 0's, 2 uses 1's, 3 "
    "uses 2's ('kl_source_example').",
    "Log-probs are SUMMED over completion tokens, never averaged (KTOTrainer._compute_loss and _compute_kl_logps: "
    "per_token_logps.sum(-1)); the fused LM head (trl/trainer/utils.py add_fused_lm_head) scores position t-1 "
    "against label t and zeroes the -100 positions; batches are right-padded (DataCollatorForUnpairedPreference).",
    "KL term (KTOTrainer._compute_loss): kl = (KL_logps - ref_KL_logps).mean() over ALL examples of the batch "
    "(desirable and undesirable), .detach()ed, then gathered, mean()ed and .clamp(min=0). The policy's KL_logps "
    "are computed under torch.no_grad() (_compute_kl_logps), so the KL term carries no gradient.",
    "Loss (loss_type 'kto', Eqn 7): desirable 1 - sigmoid(beta * ((logp - ref_logp) - kl)), undesirable "
    "1 - sigmoid(beta * (kl - (logp - ref_logp))); losses = cat(desirable_weight * chosen, undesirable_weight * "
    "rejected) and loss = losses.nanmean(): a mean over the examples of the batch (here 4), not a per-class mean.",
    "Logged metrics (KTOTrainer._compute_loss then KTOTrainer.log): rewards/chosen = sum(beta * (logp - ref_logp)) "
    "over desirable examples / number of desirable examples (nansum / count, i.e. a mean); rewards/rejected "
    "likewise over undesirable ones; logps/chosen and logps/rejected are the same sum/count of the policy's summed "
    "log-probs (not log-ratios); rewards/margins = rewards/chosen - rewards/rejected, logged only when the batch "
    "has both kinds. 'kl' is the clamped value used in the loss. KTOTrainer.log averages each metric over the "
    "calls since the last log (one call per step here).",
    "logits/chosen and logits/rejected: token-weighted means of the mean-over-vocabulary logit at each counted "
    "position (kernels/chunked_logprob.py ChunkedLogProbFunction: mean_logits = sum of logits / vocab), summed over "
    "the completion tokens of the desirable (resp. undesirable) examples and divided by their token count. "
    "entropy: token-weighted mean over all completion tokens of the batch of the softmax entropy at each position. "
    "Both come from the policy's forward on the real (not KL) sequences, before the step's update.",
    "num_tokens: cumulative sum of attention_mask over the real (not KL) sequences since training started "
    "(padding excluded). loss, grad_norm, learning_rate, epoch come from transformers' Trainer "
    "(_maybe_log_save_evaluate): loss is not rounded; grad_norm is the total L2 norm BEFORE clipping to "
    "max_grad_norm; learning_rate is the constant 1e-3.",
    "Reference model (KTOTrainer.__init__, ref_model=None, no PEFT, no precompute): create_model_from_path reloads "
    "the policy's folder (get_config_model_id) with the policy's dtype and attn_implementation, so it holds the "
    "initial weights; it only runs under torch.no_grad() in _compute_loss and is never updated; "
    "disable_dropout_in_model is applied to both models.",
    "Prompt and completion ids here are the same whether tokenized jointly (TRL) or separately with "
    "add_special_tokens=False and EOS appended to the completion (the Swift PairEncoder); asserted by the script.",
    "Optimizer (transformers/trainer_optimizer.py _get_adamw_torch): torch.optim.AdamW(lr 1e-3, betas (0.9, 0.999), "
    "eps 1e-8, weight_decay 0), bias-corrected; clipping by torch.nn.utils.clip_grad_norm_ (scale max_norm / "
    "(total_norm + 1e-6) when total_norm > max_norm) before optimizer.step; constant learning rate, no warmup.",
    "Entries of 'steps' are TRL's log_history entries for steps 1..3 as logged (the final train summary entry with "
    "train_runtime etc. is left out); 'step' is the global step after the update.",
]


if __name__ == "__main__":
    main()
