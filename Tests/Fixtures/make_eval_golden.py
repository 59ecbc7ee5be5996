"""Golden summed log-probs from PyTorch/transformers for `dpo eval` on a model saved by `transformers`.

Writes Tests/Fixtures/golden/eval_model/, a Hugging Face model directory plus a small pair file:
  tokenizer.json          -- byte-level BPE (GPT-2 style ByteLevel pre-tokenizer) trained here with `tokenizers`
                             on a few KB of English this script generates (seeded); special token <|endoftext|>
  tokenizer_config.json   -- names eos_token "<|endoftext|>" (no BOS, no pad, no chat template)
  config.json,
  model.safetensors       -- LlamaForCausalLM.save_pretrained (float32, seeded, untied, GQA 4 heads / 2 KV heads)
  pairs.jsonl             -- 6 TRL-standard records {"prompt", "chosen", "rejected"} (plain text)
  expected.json           -- per record, in file order: "prompt_ids", "chosen_ids", "rejected_ids" (the token ids
                             the Swift PairEncoder must produce) and "logps/chosen", "logps/rejected",
                             "chosen_tokens", "rejected_tokens" (PyTorch's summed completion log-probs)

Token ids mirror Sources/Preference/PairEncoder.swift (and TRL's tokenize_row): the prompt and each completion
are tokenized SEPARATELY with add_special_tokens=False, EOS is appended to each completion, no BOS is added.
Every sequence is short enough that the Swift default truncation (max_length 1024, max_prompt_length 512) never
applies. The summed log-prob of a completion is sum over its tokens t of log_softmax(logits[t-1])[ids[t]], with
prompt + completion run alone (batch 1, no padding, position ids 0..n-1, eager attention, float32).

Run from the repo root (the venv lives outside the repo and is never committed):
  python3 -m venv /work/venv-torch
  /work/venv-torch/bin/pip install "torch==2.13.0+cpu" transformers tokenizers safetensors
  /work/venv-torch/bin/python Tests/Fixtures/make_eval_golden.py

Deterministic: the same versions rebuild byte-identical files. CI never runs this script: the Swift test
Tests/TrainingTests/EvalGoldenTests.swift reads its committed output.
"""
import json
import os
import random

import safetensors
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "eval_model")
EOS = "<|endoftext|>"
# ~400 was the aim, but with hidden 64 / intermediate 128 / 2 layers, untied, every 64 vocabulary entries cost
# 32 KB of float32 (embedding + lm_head); 320 keeps the whole directory under 500 KB.
VOCAB_SIZE = 320
SEED = 2024

# ---------------------------------------------------------------------------------------------------------------
# tokenizer

WORDS = """the of and to a in is it you that he was for on are with as his they be at one have this from or had by
word but what some we can out other were all there when up use your how said an each she which do their time if
will way about many then them write would like so these her long make thing see him two has look more day could go
come did number sound no most people my over know water than call first who may down side been now find any new
work part take get place made live where after back little only round man year came show every good me give our
under name very through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand port large spell
add even land here must big high such follow act why ask men change went light kind off need house picture try us
again animal point mother world near build self earth father head stand own page should country found answer
school grow study still learn plant cover food sun four between state keep eye never last let thought city tree
cross farm hard start might story saw far sea draw left late run while press close night real life few north
weather sunny today tomorrow question answer kitchen garden river mountain""".split()


def corpus(rng, n_bytes=6000):
    """Seeded English-like sentences, one per line."""
    lines, size = [], 0
    while size < n_bytes:
        words = [rng.choice(WORDS) for _ in range(rng.randrange(5, 15))]
        words[0] = words[0].capitalize()
        line = " ".join(words) + rng.choice([".", ".", ".", "?", "!"])
        if rng.random() < 0.2:
            line = "Question: " + line + "\nAnswer: " + " ".join(rng.choice(WORDS) for _ in range(4)) + "."
        lines.append(line)
        size += len(line.encode()) + 1
    return lines


def train_tokenizer(lines):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=[EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer=trainer)
    assert tok.get_vocab_size() == VOCAB_SIZE, tok.get_vocab_size()
    assert tok.token_to_id(EOS) is not None
    return tok


# ---------------------------------------------------------------------------------------------------------------
# pairs

PAIRS = [
    # The usual TRL shape: completions start with a space.
    {"prompt": "Question: What is the weather like today?\nAnswer:",
     "chosen": " It is sunny and warm.",
     "rejected": " The river is a mountain."},
    # Prompt ends mid-word: "Ġth" + "e" separately, one "Ġthe" token if the strings were joined first.
    {"prompt": "The man saw the water near th",
     "chosen": "e house.",
     "rejected": "ree trees."},
    # Very short completions (one or two tokens plus EOS).
    {"prompt": "Say yes or no:",
     "chosen": " yes",
     "rejected": " no"},
    # Non-ASCII: accents, Greek, CJK, emoji; bytes the training text never had.
    {"prompt": "Translate «café» for me, s'il vous plaît:",
     "chosen": " café means coffee ☕ — καφές, 咖啡.",
     "rejected": " Café? Naïve façade! 🙂"},
    # Longer, multi-line prompt and completions of different lengths.
    {"prompt": "Write two sentences about the garden.\n\nThe garden is",
     "chosen": " full of plants that grow in the sun.\nEvery day the father waters them with the kids.",
     "rejected": " big."},
    # Completion starts with a newline and ends with spaces; prompt ends with a space.
    {"prompt": "List three animals: ",
     "chosen": "\n1. cat\n2. dog\n3. bird  ",
     "rejected": "cat, dog and a tree"},
]


# ---------------------------------------------------------------------------------------------------------------
# model

def build_model(vocab, eos_id):
    torch.manual_seed(SEED)
    config = LlamaConfig(
        vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
        hidden_act="silu", attention_bias=False, mlp_bias=False, tie_word_embeddings=False,
        # Default 0.02 leaves log-probs near-uniform, which would hide many bugs.
        initializer_range=0.1, bos_token_id=None, eos_token_id=eos_id, pad_token_id=None)
    model = LlamaForCausalLM._from_config(config, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    return model


def completion_logps(model, prompt_ids, completion_ids):
    """Summed log p(completion token | everything before it), the sequence run alone."""
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = model(input_ids=ids, position_ids=torch.arange(ids.shape[1])[None]).logits[0]
    lp = torch.log_softmax(logits[:-1], dim=-1).gather(1, ids[0, 1:, None])[:, 0]
    per_token = lp[len(prompt_ids) - 1:]
    assert len(per_token) == len(completion_ids)
    return per_token


def main():
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, tokenizers {tokenizers.__version__}, "
          f"safetensors {safetensors.__version__}")
    os.makedirs(OUT, exist_ok=True)

    raw = train_tokenizer(corpus(random.Random(SEED)))
    raw.save(os.path.join(OUT, "tokenizer.json"))
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": EOS, "bos_token": None,
                   "pad_token": None, "clean_up_tokenization_spaces": False}, f, indent=2)
        f.write("\n")

    # Tokenize as TRL does, through transformers' tokenizer loaded from the directory.
    tokenizer = PreTrainedTokenizerFast.from_pretrained(OUT)
    eos_id = tokenizer.eos_token_id
    assert eos_id == raw.token_to_id(EOS) and tokenizer.bos_token_id is None, (eos_id, tokenizer.bos_token_id)
    assert len(tokenizer) == VOCAB_SIZE

    def encode(text):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert ids == raw.encode(text, add_special_tokens=False).ids
        assert tokenizer.decode(ids) == text, (text, tokenizer.decode(ids))
        return ids

    model = build_model(len(tokenizer), eos_id)
    model.save_pretrained(OUT, safe_serialization=True)
    if os.path.exists(os.path.join(OUT, "generation_config.json")):
        os.remove(os.path.join(OUT, "generation_config.json"))
    model64 = LlamaForCausalLM.from_pretrained(OUT, attn_implementation="eager", dtype=torch.float64).eval()

    with open(os.path.join(OUT, "pairs.jsonl"), "w", encoding="utf-8") as f:
        for pair in PAIRS:
            f.write(json.dumps(pair, ensure_ascii=False) + "\n")

    expected, worst64 = [], 0.0
    boundary_matters = False
    for pair in PAIRS:
        prompt = encode(pair["prompt"])
        entry = {"prompt_ids": prompt}
        for side in ("chosen", "rejected"):
            completion = encode(pair[side]) + [eos_id]
            if encode(pair["prompt"] + pair[side]) != prompt + completion[:-1]:
                boundary_matters = True
            lp = completion_logps(model, prompt, completion)
            lp64 = completion_logps(model64, prompt, completion)
            total = float(lp.double().sum())
            worst64 = max(worst64, abs(total - float(lp64.sum())))
            entry[f"{side}_ids"] = completion
            entry[f"logps/{side}"] = total
            entry[f"{side}_tokens"] = len(completion)
        assert len(prompt) + max(entry["chosen_tokens"], entry["rejected_tokens"]) < 512
        expected.append(entry)
        print(f"  prompt {len(prompt):2d} tokens, chosen {entry['chosen_tokens']:2d} ({entry['logps/chosen']:9.4f}), "
              f"rejected {entry['rejected_tokens']:2d} ({entry['logps/rejected']:9.4f})")
    assert boundary_matters, "no pair whose joined tokenization differs from the separate one"
    mid_word = expected[1]
    assert encode(PAIRS[1]["prompt"] + PAIRS[1]["chosen"]) != mid_word["prompt_ids"] + mid_word["chosen_ids"][:-1]
    print(f"  max |float32 sum - float64 sum| = {worst64:.2e}")
    assert worst64 < 1e-4, worst64

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")

    total = 0
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        total += size
        print(f"  {name:24s} {size:8d} bytes")
    print(f"  total {total} bytes")
    assert total < 500_000, total


if __name__ == "__main__":
    main()
