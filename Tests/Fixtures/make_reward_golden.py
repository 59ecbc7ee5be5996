"""Golden reward-model scores from Hugging Face transformers, for the Swift reward model to match.

Loads Tests/Fixtures/golden/reward/ -- a one-label LlamaForSequenceClassification directory written by OUR code
(RewardModelParityTests.makeFixture: the trunk of golden/eval_model with a seeded score weight; re-record it with
WORKBENCH_RECORD=1 swift test --filter RewardModelParityTests) -- with AutoModelForSequenceClassification, and its
tokenizer with PreTrainedTokenizerFast(tokenizer_file=...). Each (prompt, completion) is encoded as our preference
pairs are: prompt and completion tokenized on their own (no special tokens), EOS appended to the completion, the
two concatenated. All texts are scored in ONE right-padded batch (pad_token_id from config.json, attention mask),
so transformers must find each row's last non-pad token itself; each row is also scored alone (batch 1, no
padding) and the two must agree. Writes Tests/Fixtures/golden/reward/expected.json:

  versions -- torch, transformers, tokenizers, safetensors, python
  pad_token_id, eos_token_id
  cases    -- per text, in order: "prompt", "completion", "prompt_ids", "completion_ids", "input_ids" (their
              concatenation), "score" (logits[row, 0] of the padded batch, float32 as a float)
  max_batch_vs_single -- max |batched - alone| score difference

Run from the repo root inside a venv that lives OUTSIDE the repo (never commit the venv):
  python3 -m venv /tmp/rm-venv
  /tmp/rm-venv/bin/pip install "torch==2.13.0+cpu"        # the +cpu wheel: pip's find-links (/opt/wheels here), or
                                                          # --index-url https://download.pytorch.org/whl/cpu
  /tmp/rm-venv/bin/pip install "torch==2.13.0+cpu" transformers tokenizers safetensors
  /tmp/rm-venv/bin/python Tests/Fixtures/make_reward_golden.py

Deterministic (float32, eager attention, one thread, no dropout). Offline: no hub access. CI never runs this
script; Swift tests read its committed output.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import json
import platform

import safetensors
import tokenizers
import torch
import transformers
from transformers import AutoModelForSequenceClassification, PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "golden", "reward")
OUT = os.path.join(MODEL_DIR, "expected.json")

# Prompts end without a trailing space and completions start with one, as the built-in tasks write them. One case
# has an empty prompt (the completion is then the whole sequence); lengths differ so the batch needs padding.
TEXTS = [
    ("The film opens on a quiet street, and", " it is a delight from start to finish."),
    ("Question: is it sunny today?\nAnswer:", " no."),
    ("Where does the river go?", " to the old house by the sea, past the mill and the long bridge."),
    ("", " A story about the sea."),
    ("What did the boy read?", " a dull, tiresome book."),
]


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    assert type(model).__name__ == "LlamaForSequenceClassification", type(model).__name__
    assert model.config.num_labels == 1, model.config.num_labels
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(MODEL_DIR, "tokenizer.json"))
    pad = model.config.pad_token_id
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    assert eos == model.config.eos_token_id and pad is not None and pad != eos, (pad, eos)

    cases = []
    for prompt, completion in TEXTS:
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"] if prompt else []
        completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"] + [eos]
        assert pad not in (prompt_ids + completion_ids)[-1:], "a sequence ending in the pad id would be misread"
        cases.append({"prompt": prompt, "completion": completion, "prompt_ids": prompt_ids,
                      "completion_ids": completion_ids, "input_ids": prompt_ids + completion_ids})

    width = max(len(case["input_ids"]) for case in cases)
    input_ids = torch.tensor([case["input_ids"] + [pad] * (width - len(case["input_ids"])) for case in cases])
    attention = torch.tensor([[1] * len(case["input_ids"]) + [0] * (width - len(case["input_ids"])) for case in cases])
    with torch.no_grad():
        batched = model(input_ids=input_ids, attention_mask=attention).logits[:, 0]
        alone = [model(input_ids=torch.tensor([case["input_ids"]])).logits[0, 0] for case in cases]
    difference = max(abs(float(b) - float(a)) for b, a in zip(batched, alone))
    assert difference < 1e-5, difference
    for case, score in zip(cases, batched):
        case["score"] = float(score)

    result = {
        "versions": {
            "torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "safetensors": safetensors.__version__, "python": platform.python_version(),
        },
        "pad_token_id": pad,
        "eos_token_id": eos,
        "cases": cases,
        "max_batch_vs_single": difference,
    }
    with open(OUT, "w") as handle:
        json.dump(result, handle, indent=1)
        handle.write("\n")
    print(f"wrote {OUT}: scores {[round(case['score'], 6) for case in cases]}, batch vs single {difference:.2e}")


if __name__ == "__main__":
    main()
