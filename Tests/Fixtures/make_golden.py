"""Golden reference values from PyTorch/transformers for two tiny Llama models.

Writes Tests/Fixtures/golden/{gqa_untied,gqa_tied}/, each holding:
  config.json, model.safetensors  -- model.save_pretrained output (float32, seeded weights,
                                     RMSNorm weights perturbed to 1 + 0.1*randn)
  inputs.json                      -- sequences, target_masks, loss_weights
  expected.json                    -- per-target log-probs and the weighted loss
  grads.safetensors                -- d(loss)/d(param) for every named parameter (float32)
See Tests/Fixtures/golden/README.md for the target-entry ordering rule.

Run from the repo root (the venv lives outside the repo and is never committed):
  python3 -m venv /work/venv-torch
  /work/venv-torch/bin/pip install "torch==2.13.0+cpu" transformers tokenizers safetensors
  /work/venv-torch/bin/python Tests/Fixtures/make_golden.py

CI never runs this script: the Swift tests read its committed output.
"""
import copy
import json
import os
import struct

import torch
import transformers
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
BASE = dict(vocab_size=96, hidden_size=64, intermediate_size=120, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=128, attention_bias=False,
            mlp_bias=False, hidden_act="silu", rope_scaling=None,
            # Default 0.02 leaves logits near-uniform (a RoPE bug moved log-probs by only ~4e-3);
            # 0.1 makes the fixtures far more sensitive (same bug: ~0.75).
            initializer_range=0.1)
VARIANTS = {
    "gqa_untied": dict(num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                       tie_word_embeddings=False),
    "gqa_tied": dict(num_key_value_heads=1, rms_norm_eps=1e-6, rope_theta=500000.0,
                     tie_word_embeddings=True),
}
LENGTHS, PROMPTS, HOLE = [17, 9, 30], [5, 3, 12], (2, 20)  # HOLE: (seq, pos) masked back to 0


def make_inputs(vocab):
    g = torch.Generator().manual_seed(1234)
    seqs = [torch.randint(0, vocab, (n,), generator=g).tolist() for n in LENGTHS]
    masks = [[0] * p + [1] * (n - p) for n, p in zip(LENGTHS, PROMPTS)]
    masks[HOLE[0]][HOLE[1]] = 0
    assert all(m[0] == 0 for m in masks)
    n_targets = sum(sum(m) for m in masks)
    weights = (0.5 + torch.rand(n_targets, generator=g, dtype=torch.float64)).tolist()
    return seqs, masks, weights


def target_logps(model, seqs, masks):
    """Target entries in order: seq s ascending, position t ascending, where mask[s][t] == 1."""
    out = []
    for seq, mask in zip(seqs, masks):
        ids = torch.tensor([seq])
        logits = model(input_ids=ids, position_ids=torch.arange(len(seq))[None]).logits[0]
        lp = torch.log_softmax(logits[:-1], dim=-1).gather(1, ids[0, 1:, None])[:, 0]
        out.append(lp[torch.tensor(mask[1:], dtype=torch.bool)])
    return torch.cat(out)


def loss_and_grads(model, seqs, masks, weights):
    model.zero_grad(set_to_none=True)
    logps = target_logps(model, seqs, masks)
    loss = -(torch.tensor(weights, dtype=logps.dtype) * logps).sum()
    loss.backward()
    return logps, loss, {n: p.grad.detach().clone().contiguous() for n, p in model.named_parameters()}


def print_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    dtypes = {v["dtype"] for v in header.values()}
    print(f"  {os.path.basename(path)}: {len(header)} tensors, dtypes {dtypes}")
    for name in sorted(header):
        print(f"    {name} {header[name]['shape']}")
    assert dtypes == {"F32"}, dtypes
    return header


def build(name, overrides, seed):
    torch.manual_seed(seed)
    config = LlamaConfig(**BASE, **overrides)
    model = LlamaForCausalLM._from_config(config, attn_implementation="eager", dtype=torch.float32)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n.endswith("layernorm.weight") or n == "model.norm.weight":
                p.copy_(1 + 0.1 * torch.randn_like(p))
    model.eval()
    if overrides["tie_word_embeddings"]:
        assert model.lm_head.weight is model.model.embed_tokens.weight
    return model


def main():
    print(f"torch {torch.__version__}, transformers {transformers.__version__}")
    for seed, (name, overrides) in enumerate(VARIANTS.items()):
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        model = build(name, overrides, seed=1000 + seed)
        model.save_pretrained(d, safe_serialization=True)
        if os.path.exists(os.path.join(d, "generation_config.json")):
            os.remove(os.path.join(d, "generation_config.json"))

        seqs, masks, weights = make_inputs(model.config.vocab_size)
        logps, loss, grads = loss_and_grads(model, seqs, masks, weights)
        assert len(logps) == len(weights)

        model64 = copy.deepcopy(model).double()
        if overrides["tie_word_embeddings"]:
            assert model64.lm_head.weight is model64.model.embed_tokens.weight
        logps64, loss64, grads64 = loss_and_grads(model64, seqs, masks, weights)
        print(f"[{name}] {len(logps)} targets, loss {loss.item():.9g} (float64 {loss64.item():.9g}), "
              f"max|logp| {logps.abs().max().item():.6g}, max|dlogp| vs f64 "
              f"{(logps.double() - logps64).abs().max().item():.3g}")
        worst = 0.0
        for n, g in grads.items():
            ref = grads64[n]
            rel = ((g.double() - ref).abs().max() / ref.abs().max()).item()
            worst = max(worst, rel)
            print(f"    {n:50s} max|g| {ref.abs().max().item():.3e}  rel diff f32 vs f64 {rel:.2e}")
        print(f"  worst relative gradient diff (f32 vs f64): {worst:.2e}")
        assert worst < 1e-4, worst

        with open(os.path.join(d, "inputs.json"), "w") as f:
            json.dump({"sequences": seqs, "target_masks": masks, "loss_weights": weights}, f)
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump({"logps": [float(x) for x in logps.tolist()], "loss": float(loss.item())}, f)
        save_file(grads, os.path.join(d, "grads.safetensors"))

        names = set(print_header(os.path.join(d, "model.safetensors")))
        assert ("lm_head.weight" in names) != overrides["tie_word_embeddings"], names
        assert set(print_header(os.path.join(d, "grads.safetensors"))) == names
        assert names == {n for n, _ in model.named_parameters()}


if __name__ == "__main__":
    main()
