"""Small GGUF files written by gguf-py (llama.cpp's own Python package), for the Swift GGUF reader's tests.

Writes, next to this script:
  types.gguf            -- metadata of all 13 value types (scalars, arrays of each, a nested array, an empty
                           string), `general.alignment` 64, and tensors of every type the importer reads
                           (F32, F16, BF16, Q8_0, Q4_0, Q4_1) plus one Q4_K it must refuse by name
  types_expected.json   -- each tensor's row-major shape, ggml type and values as gguf-py dequantizes them
                           (`gguf.quants.dequantize`), and the metadata values
  tiny_llama.gguf       -- Tests/Fixtures/golden/gqa_untied (a transformers-saved LlamaForCausalLM: 4 heads,
                           2 key/value heads, untied) converted the way llama.cpp's convert_hf_to_gguf.py does it:
                           llama.cpp tensor names, `llama.*` metadata, Q and K rows permuted with its `permute`,
                           every tensor F32 so the Swift loader must give back model.safetensors exactly

Run from the repo root (the venv lives outside the repo and is never committed):
  /work/venv-torch/bin/pip install gguf        # 0.19.0 wrote the committed files
  /work/venv-torch/bin/python Tests/Fixtures/gguf/make_gguf_fixtures.py

CI never runs this script: the Swift tests read its committed output.
"""
import json
import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import GGUFValueType as V
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden", "gqa_untied")

SCALARS = [
    ("test.uint8", 200, V.UINT8), ("test.int8", -100, V.INT8), ("test.uint16", 60000, V.UINT16),
    ("test.int16", -30000, V.INT16), ("test.uint32", 4000000000, V.UINT32), ("test.int32", -2000000000, V.INT32),
    ("test.float32", 0.1, V.FLOAT32), ("test.bool", True, V.BOOL), ("test.string", "héllo, wörld ✓", V.STRING),
    ("test.uint64", 18000000000000000000, V.UINT64), ("test.int64", -9000000000000000000, V.INT64),
    ("test.float64", 2.718281828459045, V.FLOAT64), ("test.empty_string", "", V.STRING),
]
ARRAYS = [
    ("test.array.uint8", [0, 1, 255], V.UINT8), ("test.array.int8", [-128, 0, 127], V.INT8),
    ("test.array.uint16", [0, 65535], V.UINT16), ("test.array.int16", [-32768, 32767], V.INT16),
    ("test.array.uint32", [1, 4294967295], V.UINT32), ("test.array.int32", [-5, 5, 7], V.INT32),
    ("test.array.float32", [0.5, -1.25, 3.0], V.FLOAT32), ("test.array.bool", [True, False, True], V.BOOL),
    ("test.array.string", ["a", "Ġb", "<|im_end|>", ""], V.STRING),
    ("test.array.uint64", [0, 18446744073709551615], V.UINT64),
    ("test.array.int64", [-9223372036854775808, 9223372036854775807], V.INT64),
    ("test.array.float64", [1e-300, -2.5], V.FLOAT64),
]


def json_value(value, vtype):
    return {"type": vtype.name, "value": value}


def write_types():
    rng = np.random.default_rng(7)
    path = os.path.join(HERE, "types.gguf")
    writer = gguf.GGUFWriter(path, arch="test")
    writer.add_custom_alignment(64)
    metadata = {"general.architecture": json_value("test", V.STRING), "general.alignment": json_value(64, V.UINT32)}
    for key, value, vtype in SCALARS:
        writer.add_key_value(key, value, vtype)
        stored = float(np.float32(value)) if vtype == V.FLOAT32 else value
        metadata[key] = json_value(stored, vtype)
    for key, values, vtype in ARRAYS:
        writer.add_key_value(key, values, V.ARRAY, sub_type=vtype)
        stored = [float(np.float32(v)) for v in values] if vtype == V.FLOAT32 else values
        metadata[key] = {"type": "ARRAY", "element": vtype.name, "value": stored}
    writer.add_key_value("test.array.nested", [[1, 2], [3]], V.ARRAY)  # arrays of INT32 arrays
    metadata["test.array.nested"] = {"type": "ARRAY", "element": "ARRAY", "value": [[1, 2], [3]]}

    # Values around ±2 with a few exact zeros and a large outlier, so that scales and minima matter.
    base = rng.normal(0, 1, size=(4, 64)).astype(np.float32)
    base[0, :5] = 0
    base[1, 7] = 40
    tensors = {}
    for name, qtype in [("f32", Q.F32), ("f16", Q.F16), ("bf16", Q.BF16), ("q8_0", Q.Q8_0), ("q4_0", Q.Q4_0),
                        ("q4_1", Q.Q4_1)]:
        data = base if name != "f32" else base[:3]  # one shape differs, to check shapes are per tensor
        quantized = gguf.quants.quantize(data, qtype)
        if qtype in (Q.F32, Q.F16):
            writer.add_tensor(name, quantized)
        else:
            writer.add_tensor(name, quantized, raw_dtype=qtype)
        values = gguf.quants.dequantize(quantized.view(np.uint8) if qtype not in (Q.F32, Q.F16) else quantized, qtype)
        tensors[name] = {"type": qtype.name, "shape": list(data.shape),
                         "values": [float(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)]}
    block, size = gguf.GGML_QUANT_SIZES[Q.Q4_K]
    writer.add_tensor("q4_k", np.zeros((2, 256 // block * size), dtype=np.uint8), raw_dtype=Q.Q4_K)
    tensors["q4_k"] = {"type": "Q4_K", "shape": [2, 256], "values": None}
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with open(os.path.join(HERE, "types_expected.json"), "w") as f:
        json.dump({"gguf_version": "0.19.0", "metadata": metadata, "tensors": tensors}, f, indent=1)
        f.write("\n")
    return path


def permute(weights, n_head, n_head_kv):
    """llama.cpp convert_hf_to_gguf.py, LlamaModel.permute."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


LAYER = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
         "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
         "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}


def write_tiny_llama():
    config = json.load(open(os.path.join(GOLDEN, "config.json")))
    weights = load_file(os.path.join(GOLDEN, "model.safetensors"))
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    path = os.path.join(HERE, "tiny_llama.gguf")
    writer = gguf.GGUFWriter(path, arch="llama")
    writer.add_name("tiny llama (Tests/Fixtures/golden/gqa_untied)")
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_freq_base(config["rope_parameters"]["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_vocab_size(config["vocab_size"])
    writer.add_rope_dimension_count(config["head_dim"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_bos_token_id(config["bos_token_id"])
    writer.add_eos_token_id(config["eos_token_id"])
    for name, w in weights.items():
        if name == "model.embed_tokens.weight":
            out = "token_embd.weight"
        elif name == "model.norm.weight":
            out = "output_norm.weight"
        elif name == "lm_head.weight":
            out = "output.weight"
        else:
            _, _, layer, rest = name.split(".", 3)
            out = f"blk.{layer}.{LAYER[rest.removesuffix('.weight')]}.weight"
        if out.endswith("attn_q.weight"):
            w = permute(w, heads, heads)
        elif out.endswith("attn_k.weight"):
            w = permute(w, heads, kv_heads)
        writer.add_tensor(out, np.ascontiguousarray(w, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def main():
    for path in [write_types(), write_tiny_llama()]:
        reader = gguf.GGUFReader(path)  # reads back with llama.cpp's reader
        print(f"{os.path.relpath(path)}: {os.path.getsize(path)} bytes, {len(reader.tensors)} tensors, "
              f"{len(reader.fields)} metadata keys")


if __name__ == "__main__":
    main()
