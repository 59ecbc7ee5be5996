# The README's two commands: `make run` opens the workbench on the built-in demo, `make test` runs the tests.
# Both install missing system packages first (scripts/install-deps.sh).
SWIFT ?= swift
RELEASE = .build/release

.PHONY: run test deps build bench-engine bench-peer-setup bench-peer bench-trl trl-export-check

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product dpo

run: build
	$(RELEASE)/dpo

test: deps
	@scripts/fetch-smollm2.sh >/dev/null  # the SmolLM2 GGUF tests' model, downloaded once into models/
	$(SWIFT) test --disable-swift-testing

bench-engine: build
	$(RELEASE)/dpo bench engine

# The peer benchmark (docs/performance.md): TRL's DPOTrainer on CPU PyTorch in .venv-bench/, against `dpo bench train`
# on the same model, tokenizer and pairs (bench/.inputs/, built once).
# BENCH_WORKLOAD=smollm2-lora or smollm2-full runs SmolLM2-135M-Instruct instead of the tiny model (use BENCH_STEPS=4:
# a TRL step takes tens of seconds there).
BENCH_STEPS ?= 10
BENCH_ROUNDS ?= 3
BENCH_WORKLOAD ?= tiny

bench-peer-setup:
	@bench/setup_peer.sh $(BENCH_WORKLOAD)

bench-peer: build bench-peer-setup
	bench/peer.sh --workload $(BENCH_WORKLOAD) --rounds $(BENCH_ROUNDS) --steps $(BENCH_STEPS)

bench-trl: bench-peer-setup
	.venv-bench/bin/python bench/trl_dpo.py --steps $(BENCH_STEPS)

# The TRL hand-off (dpo export trl): a 2-step run in file order, its export, and TRL 1.16 on CPU running the exported
# config; step 1's metrics compared (bench/trl_export_check.py). Needs .venv-bench (make bench-peer-setup).
TRL_CHECK = .trl-check
trl-export-check: build bench-peer-setup
	rm -rf $(TRL_CHECK)
	$(RELEASE)/dpo train experiments/demo.yaml --set output_dir=$(TRL_CHECK)/runs --set max_steps=2 \
		--set train_sampling_strategy=sequential --set eval_steps=0 --set samples.prompts=0
	$(RELEASE)/dpo export trl $$(ls -d $(TRL_CHECK)/runs/sigmoid*) --out $(TRL_CHECK)/export
	.venv-bench/bin/python bench/trl_export_check.py $(TRL_CHECK)/export $$(ls -d $(TRL_CHECK)/runs/sigmoid*)
