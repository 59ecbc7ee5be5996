"""Checks that a model directory written by `dpo` works in transformers as it works here.

  python Tests/Fixtures/check_model_directory.py RUN/final --prompt "The harbour film" [--dpo .build/release/dpo]

AutoTokenizer must know EOS (tokenizer_config.json) and agree with generation_config.json; greedy `generate` must
stop at EOS (nothing after it); with --dpo, `dpo sample --raw` (greedy) must produce the same completion. Needs
torch and transformers (see DEVELOPERS.md); not run in CI. Exits 1 on a mismatch.
"""
import argparse
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--dpo", help="the dpo binary, to compare its greedy completion")
    args = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(args.directory)
    generation = GenerationConfig.from_pretrained(args.directory)
    model = AutoModelForCausalLM.from_pretrained(args.directory, dtype=torch.float32)
    problems = []
    if tokenizer.eos_token is None:
        problems.append("AutoTokenizer has no eos_token")
    if generation.eos_token_id != tokenizer.eos_token_id:
        problems.append(f"generation_config eos_token_id {generation.eos_token_id} != tokenizer's {tokenizer.eos_token_id}")

    prompt = tokenizer(args.prompt, add_special_tokens=False, return_tensors="pt").input_ids
    with torch.no_grad():
        output = model.generate(prompt, max_new_tokens=args.max_new_tokens, do_sample=False)
    completion = output[0, prompt.shape[1]:].tolist()
    eos = tokenizer.eos_token_id
    stopped = eos in completion
    if stopped and completion.index(eos) != len(completion) - 1:
        problems.append(f"generate went on after EOS: {completion}")
    text = tokenizer.decode(completion, skip_special_tokens=True)
    print(f"eos {tokenizer.eos_token!r} (id {eos}); {len(completion)} tokens, "
          f"{'stopped at EOS' if stopped else 'reached max_new_tokens'}")
    print(f"transformers: {text!r}")

    if args.dpo:
        ours = subprocess.run(
            [args.dpo, "sample", args.directory, "--prompt", args.prompt, "--raw", "--max-new-tokens", str(args.max_new_tokens)],
            check=True, capture_output=True, text=True).stdout.rstrip("\n")
        print(f"dpo sample:   {ours!r}")
        if ours != text:
            problems.append("dpo sample and transformers disagree")

    for problem in problems:
        print("FAIL:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
