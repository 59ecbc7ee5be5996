"""The peer of `dpo bench generate`: transformers' `model.generate` sampling a batch of completions on CPU PyTorch.

Configuration (the same as `dpo bench generate`): the Hugging Face model directory in float32 on the CPU,
torch.set_num_threads(2), the same B prompts (generated token ids by the same formula, or with --data the prompts of
the first B records cut to their last --prompt-tokens tokens), left padding with an attention mask (transformers'
batched decoding), do_sample=True at temperature 1 with top-k and top-p off (top_k=0, top_p=1.0: plain sampling
from the softmax, as ours), max_new_tokens=N and min_new_tokens=N, so EOS is suppressed and every sequence
generates exactly N tokens, with the default KV cache. One untimed warm-up call (2 new tokens) comes first; then
--rounds calls to `generate` are timed wall-clock, prefill included, and the median is reported.

Prints tokens/s (B·N generated tokens per second) and the process's peak resident memory (getrusage ru_maxrss).
With --json the last line is one JSON object with keys tokens_per_s, peak_rss_mb, batch, new_tokens, prompt_tokens
and versions.

Usage (from the repo root):
  .venv-bench/bin/python bench/hf_generate.py --model bench/.inputs/smollm2/model [--batch 16] [--prompt-tokens 32]
      [--new-tokens 64] [--data FILE] [--rounds 1] [--threads 2] [--json]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
import warnings


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="Hugging Face model directory")
    parser.add_argument("--batch", type=int, default=16, help="sequences sampled together")
    parser.add_argument("--prompt-tokens", type=int, default=32,
                        help="prompt length: generated prompts vary from 3/4 to 5/4 of it; --data prompts keep their "
                             "last this many tokens")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens generated per sequence (EOS suppressed)")
    parser.add_argument("--data", help="take the prompts of the first --batch records of this JSONL file")
    parser.add_argument("--rounds", type=int, default=1, help="timed generate calls; the median is reported")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    return parser.parse_args()


def generated_prompts(count, length, vocab):
    """The formula of `BenchGenerate.generatedPrompts`: prompt i has length - length//4 + (7i mod (length//2 + 1))
    tokens, token t of it is (1000 + 7919i + 104729t) mod vocab."""
    prompts = []
    for i in range(count):
        n = max(1, length - length // 4 + (7 * i) % (length // 2 + 1))
        prompts.append([(1000 + 7919 * i + 104729 * t) % vocab for t in range(n)])
    return prompts


def data_prompts(path, tokenizer, count, keep):
    """The prompts of the first `count` records, encoded without special tokens, cut to their last `keep` tokens."""
    prompts = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if len(prompts) == count:
                break
            if not line.strip():
                continue
            prompt = json.loads(line).get("prompt")
            if not isinstance(prompt, str):
                sys.exit(f"{path}:{number}: no string \"prompt\" field")
            ids = tokenizer(prompt, add_special_tokens=False)["input_ids"][-keep:]
            if not ids:
                sys.exit(f"{path}:{number}: the prompt is empty")
            prompts.append(ids)
    if len(prompts) < count:
        sys.exit(f"{path} has fewer than {count} records")
    return prompts


def main():
    args = parse_args()
    if min(args.batch, args.prompt_tokens, args.new_tokens, args.rounds) < 1:
        sys.exit("--batch, --prompt-tokens, --new-tokens and --rounds must be at least 1")
    if not os.path.exists(os.path.join(args.model, "config.json")):
        sys.exit(f"{args.model} has no config.json: run `make bench-peer-setup`")

    import torch
    torch.set_num_threads(args.threads)
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=UserWarning)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    model.eval()
    vocab = model.config.vocab_size
    if args.data:
        prompts = data_prompts(args.data, tokenizer, args.batch, args.prompt_tokens)
    else:
        prompts = generated_prompts(args.batch, args.prompt_tokens, vocab)

    # Left padding: every prompt ends at the last column, where generation continues; the mask hides the pads.
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else model.config.eos_token_id
    width = max(len(p) for p in prompts)
    input_ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], dtype=torch.long)
    attention_mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], dtype=torch.long)

    def generate(new_tokens):
        with torch.inference_mode():
            return model.generate(
                input_ids=input_ids, attention_mask=attention_mask, do_sample=True, temperature=1.0, top_k=0,
                top_p=1.0, max_new_tokens=new_tokens, min_new_tokens=new_tokens, pad_token_id=pad)

    torch.manual_seed(args.seed)
    generate(min(2, args.new_tokens))
    seconds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        out = generate(args.new_tokens)
        seconds.append(time.perf_counter() - start)
        new = out.shape[1] - width
        if new != args.new_tokens:
            sys.exit(f"generate returned {new} new tokens, not {args.new_tokens}")
    generated = args.batch * args.new_tokens
    rate = generated / statistics.median(seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lengths = [len(p) for p in prompts]

    print(f"model: {args.model}, {sum(p.numel() for p in model.parameters())} parameters; torch {torch.__version__}, "
          f"transformers {transformers.__version__}, {torch.get_num_threads()} threads, float32 CPU")
    print(f"prompts: {args.batch}, {min(lengths)}-{max(lengths)} tokens ({sum(lengths)} in all), left-padded to {width}, "
          + (f"the first records of {args.data}" if args.data else "generated token ids"))
    print(f"sampling: do_sample, temperature 1, top_k 0, top_p 1.0; min_new_tokens = max_new_tokens = {args.new_tokens}, "
          f"so EOS never ends a sequence ({generated} tokens in all); times include the prefill")
    print(f"transformers generate: {rate:.1f} tokens/s ({statistics.median(seconds):.2f} s, median of {args.rounds})")
    print(f"peak resident memory: {peak:.0f} MiB")
    if args.json:
        print(json.dumps({"tokens_per_s": rate, "peak_rss_mb": peak, "batch": args.batch,
                          "new_tokens": args.new_tokens, "prompt_tokens": sum(lengths),
                          "seconds": seconds, "torch": torch.__version__, "transformers": transformers.__version__},
                         sort_keys=True))


if __name__ == "__main__":
    main()
