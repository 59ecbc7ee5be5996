"""The peer: Hugging Face TRL's DPOTrainer on CPU PyTorch, on the inputs of bench/make_peer_inputs.py.

Configuration (the same as `dpo bench train`): the model directory as the policy and a frozen reference copy loaded
from the same directory (TRL's default when ref_model is None, precompute_ref_log_probs off), 8 pairs per step
(per_device_train_batch_size 8, gradient_accumulation_steps 1), max_length 256 with TRL's keep_start truncation
(prompt + completion cut to 256 tokens), sigmoid loss, beta 0.1, AdamW at a constant learning rate 5e-6, no gradient
checkpointing, float32 (bf16 and fp16 off), no evaluation, logging every step, CPU only, dataloader_num_workers 0,
seed 42, torch.set_num_threads(2), and the pairs in file order (train_sampling_strategy "sequential"): step k trains
on records 8(k-1) .. 8k-1 of pairs.jsonl (--batch-size changes the 8). With --lora R, PEFT's LoraConfig (r R,
lora_alpha 2R, dropout 0, every linear layer of the decoder: q/k/v/o/gate/up/down_proj) wraps the policy and TRL
takes the reference from the base model with the adapters disabled, as `dpo bench train --lora R`.

It runs --warmup steps (default 2), then times --steps steps (default 10) wall-clock from the end of the last warm-up
step to the end of the last step, so the figures include everything a step costs (collation, both forwards, backward,
optimizer, logging). It prints seconds per step, pairs/s, real tokens/s (prompt+chosen and prompt+rejected tokens as
TRL builds them, truncated, without padding), the first step's loss (ln 2 = 0.6931 at step 1, where policy and
reference are the same weights), the first batch's summed completion log-probs per pair and their batch means (TRL's
`logps/chosen` and `logps/rejected`), and the process's peak resident memory (getrusage ru_maxrss).

With --json the last line is one JSON object with keys pairs_per_s, tokens_per_s, seconds_per_step, peak_rss_mb,
first_loss, first_logps_chosen, first_logps_rejected (batch means), plus details (per-pair log-probs, per-step times,
padded and real tokens per step, versions).

Usage (from the repo root):
  .venv-bench/bin/python bench/trl_dpo.py [--steps 10] [--warmup 2] [--batch-size 8] [--lora R] [--threads 2] [--json]
"""
import argparse
import json
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=os.path.join(HERE, ".inputs", "model"))
    parser.add_argument("--data", default=os.path.join(HERE, ".inputs", "pairs.jsonl"))
    parser.add_argument("--steps", type=int, default=10, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps before the timed ones")
    parser.add_argument("--batch-size", type=int, default=8, help="pairs per step")
    parser.add_argument("--lora", type=int, default=0, help="LoRA rank (0: every weight trains)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    return parser.parse_args()


def main():
    args = parse_args()
    pairs_per_step = args.batch_size
    if args.steps < 1 or args.warmup < 1:
        sys.exit("--steps and --warmup must be at least 1")
    for path in (args.model, args.data):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run `make bench-peer-setup` (it runs bench/make_peer_inputs.py)")

    import torch
    torch.set_num_threads(args.threads)

    import datasets
    import transformers
    import trl
    from transformers import AutoTokenizer, TrainerCallback
    from transformers.trainer_callback import PrinterCallback, ProgressCallback
    from trl import DPOConfig, DPOTrainer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    # transformers 5 renamed gradient_checkpointing (TRL still sets it): the rename's FutureWarnings are noise here.
    warnings.filterwarnings("ignore", category=FutureWarning)

    total_steps = args.warmup + args.steps
    with open(args.data, encoding="utf-8") as f:
        records = [json.loads(line) for _, line in zip(range(total_steps * pairs_per_step), f)]
    if len(records) < total_steps * pairs_per_step:
        sys.exit(f"{args.data} has {len(records)} pairs, {total_steps * pairs_per_step} needed")
    dataset = datasets.Dataset.from_list(records)
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    output_dir = tempfile.mkdtemp(prefix="trl-dpo-bench-")
    config = DPOConfig(
        output_dir=output_dir,
        per_device_train_batch_size=pairs_per_step,
        gradient_accumulation_steps=1,
        max_steps=total_steps,
        max_length=256,
        truncation_mode="keep_start",
        loss_type=["sigmoid"],
        beta=0.1,
        learning_rate=5e-6,
        lr_scheduler_type="constant",
        precompute_ref_log_probs=False,
        gradient_checkpointing=False,
        bf16=False,
        fp16=False,
        eval_strategy="no",
        save_strategy="no",
        logging_steps=1,
        report_to="none",
        disable_tqdm=True,
        use_cpu=True,
        dataloader_num_workers=0,
        train_sampling_strategy="sequential",
        seed=args.seed,
    )

    class Recorder(TrainerCallback):
        """Wall-clock time at the end of every step and the logged metrics of every step."""

        def __init__(self):
            self.step_ends, self.logs = [], []

        def on_step_end(self, _args, state, control, **kwargs):
            self.step_ends.append(time.perf_counter())

        def on_log(self, _args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self.logs.append(dict(logs, step=state.global_step))

    class BenchDPOTrainer(DPOTrainer):
        """Keeps the first step's loss at full precision (the logged one is rounded)."""

        first_loss = None

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            if self.first_loss is None:
                self.first_loss = float((loss[0] if return_outputs else loss).detach())
            return loss

    peft_config = None
    if args.lora:
        from peft import LoraConfig
        peft_config = LoraConfig(r=args.lora, lora_alpha=2 * args.lora, lora_dropout=0.0, target_modules=LORA_TARGETS,
                                 bias="none", task_type="CAUSAL_LM")
    trainer = BenchDPOTrainer(model=args.model, ref_model=None, args=config, train_dataset=dataset,
                              processing_class=tokenizer, peft_config=peft_config)
    assert args.lora or trainer.ref_model is not None, "expected TRL to load a frozen reference copy"
    recorder = Recorder()
    trainer.add_callback(recorder)
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)

    # Real and padded tokens of every batch, counted where TRL's collator builds them (attention_mask is 1 on real
    # tokens, after truncation). Batches are collated in step order (no workers).
    batch_tokens = []
    collate = trainer.data_collator

    def counting_collator(examples):
        batch = collate(examples)
        batch_tokens.append((int(batch["attention_mask"].sum()), batch["input_ids"].numel()))
        return batch

    trainer.data_collator = counting_collator

    # The policy's per-sequence summed completion log-probs at its first forward (step 1): TRL sums the fused LM head's
    # per-token log-probs over dim 1 ([chosen × 8, rejected × 8]), exactly as here.
    first_logps = []

    def capture(module, _args, _kwargs, output):
        if not first_logps and module.training and getattr(output, "log_probs", None) is not None:
            first_logps.extend(output.log_probs.detach().double().sum(dim=1).tolist())

    hook = trainer.model.register_forward_hook(capture, with_kwargs=True)
    train_start = time.perf_counter()
    trainer.train()
    hook.remove()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(output_dir, ignore_errors=True)

    ends = recorder.step_ends
    assert len(ends) == total_steps, (len(ends), total_steps)
    elapsed = ends[-1] - ends[args.warmup - 1]
    step_seconds = [b - a for a, b in zip([train_start] + ends, ends)]
    timed_tokens = batch_tokens[args.warmup:total_steps]
    real_tokens = sum(real for real, _ in timed_tokens)
    padded_tokens = sum(padded for _, padded in timed_tokens)
    seconds_per_step = elapsed / args.steps
    chosen, rejected = first_logps[:pairs_per_step], first_logps[pairs_per_step:]
    first_log = recorder.logs[0]
    result = {
        "pairs_per_s": args.steps * pairs_per_step / elapsed,
        "tokens_per_s": real_tokens / elapsed,
        "seconds_per_step": seconds_per_step,
        "peak_rss_mb": peak_rss_mb,
        "first_loss": trainer.first_loss,
        "first_logps_chosen": statistics.fmean(chosen),
        "first_logps_rejected": statistics.fmean(rejected),
        "first_logps_chosen_per_pair": chosen,
        "first_logps_rejected_per_pair": rejected,
        "trl_logged_first_logps_chosen": first_log.get("logps/chosen"),
        "trl_logged_first_logps_rejected": first_log.get("logps/rejected"),
        "first_batch_real_tokens": batch_tokens[0][0],
        "real_tokens_per_step": real_tokens / args.steps,
        "padded_tokens_per_step": padded_tokens / args.steps,
        "step_seconds": step_seconds,
        "steps": args.steps,
        "warmup": args.warmup,
        "threads": torch.get_num_threads(),
        "lora_rank": args.lora,
        "load_average_after": os.getloadavg()[0],
        "versions": {"trl": trl.__version__, "transformers": transformers.__version__, "torch": torch.__version__,
                     "datasets": datasets.__version__, "python": sys.version.split()[0]},
    }

    print(f"TRL {trl.__version__} DPOTrainer, transformers {transformers.__version__}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"step seconds: " + " ".join(f"{s:.2f}" for s in step_seconds)
          + f"  (first {args.warmup} untimed)")
    print(f"{seconds_per_step:.3f} s/step, {result['pairs_per_s']:.2f} pairs/s, {result['tokens_per_s']:.0f} real "
          f"tokens/s ({result['real_tokens_per_step']:.0f} real of {result['padded_tokens_per_step']:.0f} padded "
          f"tokens per step), peak RSS {peak_rss_mb:.0f} MB")
    print(f"step 1: loss {trainer.first_loss:.6f} (ln 2 = {math.log(2):.6f}), logps/chosen {result['first_logps_chosen']:.4f}, "
          f"logps/rejected {result['first_logps_rejected']:.4f} (TRL logged {first_log.get('logps/chosen'):.4f}, "
          f"{first_log.get('logps/rejected'):.4f})")
    print("  per pair chosen:   " + " ".join(f"{x:.3f}" for x in chosen))
    print("  per pair rejected: " + " ".join(f"{x:.3f}" for x in rejected))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
