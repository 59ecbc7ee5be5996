"""Builds, once, the inputs both sides of the peer benchmark share, in bench/.inputs/ (git-ignored), for one of two
models. The default workload, "tiny":

  model/config.json, model/model.safetensors
        random-init LlamaForCausalLM: hidden 256, 4 layers, 4 heads (no GQA), intermediate 704, vocab 4096,
        untied embeddings, float32, seed 2024
  model/tokenizer.json, model/tokenizer_config.json
        byte-level BPE (GPT-2 ByteLevel pre-tokenizer, no BOS, no post-processor) with 4,096 entries, trained with
        `tokenizers` on the chosen and rejected texts of the HH file; `<|endoftext|>` is the one special token, the
        EOS and the pad token
  pairs.jsonl
        TRL standard preference records {"prompt", "chosen", "rejected"}, in the HH file's order

With --workload smollm2, in bench/.inputs/smollm2/: model/ is SmolLM2-135M-Instruct imported from its Q4_1 GGUF by
`dpo model import` (F32 safetensors of the dequantized weights, its tokenizer.json and tokenizer_config.json with
EOS <|im_end|>), so that both sides start from the same float weights; pairs.jsonl as above, with its tokenizer.

A record is split at the last "\\n\\nAssistant:" inside the common prefix of its chosen and rejected texts; the prompt
ends with that marker, the completions are the rest. A record is left out when:
  - chosen and rejected share no "\\n\\nAssistant:" (no prompt to split off);
  - a completion is empty or both are identical (`dpo` rejects such records as carrying no preference);
  - tokenizing the prompt and a completion separately differs from tokenizing them joined (TRL >= 1.x tokenizes
    prompt+completion joined, our PairEncoder separately: leaving these out makes both sides see the same ids);
  - the prompt alone has max_length (256) tokens or more (TRL drops those: no completion token would remain).
So every record in pairs.jsonl is trained on by both sides, and batch k is records 8k..8k+7 on both.

Usage (from the repo root, after `make bench-peer-setup`):
  .venv-bench/bin/python bench/make_peer_inputs.py [--workload tiny|smollm2|WORKLOAD] [--hh PATH] [--out DIR] [--force]
Without --force, existing complete inputs are kept (so both sides of every run see the same files).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

from peer import WORKLOADS, input_folder

INPUT_SETS = {workload["input_set"] for workload in WORKLOADS.values()}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HH = "/work/shared/data/hh-rlhf-harmless-base-test.jsonl"
SMOLLM2_GGUF = os.path.join(ROOT, "models", "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
MARKER = "\n\nAssistant:"
EOS = "<|endoftext|>"
VOCAB_SIZE = 4096
MAX_LENGTH = 256
SEED = 2024
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


def split_record(chosen, rejected):
    """(prompt, chosen completion, rejected completion) or None when no shared assistant turn starts a reply."""
    common = os.path.commonprefix([chosen, rejected])
    cut = common.rfind(MARKER)
    if cut < 0:
        return None
    end = cut + len(MARKER)
    return chosen[:end], chosen[end:], rejected[end:]


def train_tokenizer(texts):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=[EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    assert tok.get_vocab_size() == VOCAB_SIZE, tok.get_vocab_size()
    return tok


def build_model(vocab, eos_id):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(SEED)
    config = LlamaConfig(
        vocab_size=vocab, hidden_size=256, intermediate_size=704, num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=4, max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0,
        hidden_act="silu", attention_bias=False, mlp_bias=False, tie_word_embeddings=False,
        initializer_range=0.02, bos_token_id=None, eos_token_id=eos_id, pad_token_id=eos_id)
    return LlamaForCausalLM._from_config(config, dtype=torch.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hh", default=DEFAULT_HH, help="Anthropic HH JSONL with raw chosen/rejected texts")
    parser.add_argument("--workload", choices=sorted(INPUT_SETS | set(WORKLOADS)), default="tiny",
                        help="an input set (tiny, smollm2), or one of bench/peer.py's workloads for the set it reads")
    parser.add_argument("--out", help="default bench/.inputs (tiny) or bench/.inputs/smollm2")
    parser.add_argument("--force", action="store_true", help="rebuild even if the inputs exist")
    args = parser.parse_args()
    input_set = WORKLOADS[args.workload]["input_set"] if args.workload in WORKLOADS else args.workload
    args.out = args.out or os.path.join(ROOT, input_folder(input_set))

    model_dir = os.path.join(args.out, "model")
    pairs_path = os.path.join(args.out, "pairs.jsonl")
    if not args.force and all(os.path.exists(os.path.join(model_dir, f)) for f in MODEL_FILES) \
            and os.path.exists(pairs_path):
        print(f"{args.out} is complete (use --force to rebuild)")
        return

    import tokenizers
    import torch
    import transformers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, tokenizers {tokenizers.__version__}")
    if os.path.exists(model_dir):
        shutil.rmtree(model_dir)
    os.makedirs(model_dir)

    with open(args.hh, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    print(f"{len(records)} records in {args.hh}")

    if input_set == "smollm2":
        dpo = os.path.join(ROOT, ".build", "release", "dpo")
        for path, hint in ((dpo, "run `make build`"), (SMOLLM2_GGUF, "run `scripts/fetch-smollm2.sh`")):
            if not os.path.exists(path):
                sys.exit(f"{path} is missing: {hint}")
        subprocess.run([dpo, "model", "import", SMOLLM2_GGUF, "--out", model_dir], check=True, stdout=subprocess.DEVNULL)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        eos = tokenizer.eos_token
        eos_id = tokenizer.eos_token_id
        n_params = sum(p.numel() for p in transformers.AutoModelForCausalLM.from_pretrained(model_dir).parameters())
    else:
        # Tokenizer, trained on every chosen and rejected text of the file.
        raw = train_tokenizer(text for r in records for text in (r["chosen"], r["rejected"]))
        raw.save(os.path.join(model_dir, "tokenizer.json"))
        with open(os.path.join(model_dir, "tokenizer_config.json"), "w") as f:
            json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": EOS, "pad_token": EOS,
                       "bos_token": None, "clean_up_tokenization_spaces": False,
                       "model_max_length": 1_000_000}, f, indent=2)
            f.write("\n")

        # Load it back the way TRL does, and check that it adds nothing (no BOS) and that EOS is one token.
        tokenizer = PreTrainedTokenizerFast.from_pretrained(model_dir)
        eos, eos_id = EOS, tokenizer.eos_token_id
        assert eos_id == raw.token_to_id(EOS) and tokenizer.pad_token_id == eos_id and tokenizer.bos_token_id is None
        assert len(tokenizer) == VOCAB_SIZE

        model = build_model(len(tokenizer), eos_id)
        model.save_pretrained(model_dir)
        generation_config = os.path.join(model_dir, "generation_config.json")
        if os.path.exists(generation_config):
            os.remove(generation_config)
        n_params = sum(p.numel() for p in model.parameters())
    assert tokenizer("Hi there")["input_ids"] == tokenizer("Hi there", add_special_tokens=False)["input_ids"]
    assert tokenizer(" ok" + eos)["input_ids"][-1] == eos_id

    def ids(text):
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    dropped = {"no shared assistant turn": 0, "empty or identical completions": 0,
               "prompt/completion boundary merges tokens": 0, f"prompt >= {MAX_LENGTH} tokens": 0}
    pairs, truncated, real_tokens = [], 0, []
    for r in records:
        split = split_record(r["chosen"], r["rejected"])
        if split is None:
            dropped["no shared assistant turn"] += 1
            continue
        prompt, chosen, rejected = split
        if not chosen or not rejected or chosen == rejected:
            dropped["empty or identical completions"] += 1
            continue
        p = ids(prompt)
        c, rj = ids(chosen) + [eos_id], ids(rejected) + [eos_id]
        if ids(prompt + chosen + eos) != p + c or ids(prompt + rejected + eos) != p + rj:
            dropped["prompt/completion boundary merges tokens"] += 1
            continue
        if len(p) >= MAX_LENGTH:
            dropped[f"prompt >= {MAX_LENGTH} tokens"] += 1
            continue
        if len(p) + max(len(c), len(rj)) > MAX_LENGTH:
            truncated += 1
        real_tokens.append(min(MAX_LENGTH, len(p) + len(c)) + min(MAX_LENGTH, len(p) + len(rj)))
        pairs.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})

    with open(pairs_path, "w", encoding="utf-8") as f:
        for pair in pairs:
            f.write(json.dumps(pair, ensure_ascii=False) + "\n")

    print(f"model: {n_params:,} parameters, vocab {len(tokenizer)}, EOS/pad id {eos_id}")
    print(f"pairs: {len(pairs)} kept of {len(records)}; left out: "
          + ", ".join(f"{k} {v}" for k, v in dropped.items()))
    print(f"  {truncated} pairs have a completion cut at max_length {MAX_LENGTH}; "
          f"real tokens per 8-pair step (prompt+chosen + prompt+rejected, after truncation): "
          f"mean {8 * sum(real_tokens) / len(real_tokens):.0f}, first step {sum(real_tokens[:8])}")
    for name in sorted(os.listdir(model_dir)):
        print(f"  model/{name:24s} {os.path.getsize(os.path.join(model_dir, name)):>10,} bytes")
    print(f"  pairs.jsonl                  {os.path.getsize(pairs_path):>10,} bytes")


if __name__ == "__main__":
    sys.exit(main())
