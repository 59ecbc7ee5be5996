/// The built-in demo's experiment, `experiments/demo.yaml` word for word (a test keeps the two equal): what `dpo`
/// opens outside the repository, where there is no such file, so the binary alone shows the tuned demo rather than
/// TRL's defaults (β 0.1 at 5e-6, under which 250 steps barely move the loss).
public enum BuiltinDemo {
    public static let name = "builtin demo (experiments/demo.yaml)"

    public static let yaml = """
    # The built-in demo: a miniature of the DPO paper's controlled-sentiment experiment (Rafailov et al. 2023, §6.1).
    # A tiny Llama is created with a BPE vocabulary trained on the task's text, fine-tuned on movie-review-like text
    # (SFT), then trained with DPO on pairs whose preferred completion scores higher under a known sentiment reward.
    # The run ends with the ground-truth reward of the SFT model's and the policy's samples, and their KL.
    #   dpo train experiments/demo.yaml
    # Tuned so the policy stays fluent: β 0.3, one epoch at 5e-4 and an NLL term on chosen completions (rpo_alpha)
    # keep KL near 8 nats per sample and the chosen log-probs near the reference's while the reward rises from 0.44 to
    # about 0.78. For DPO's failure modes live on the Diagnostics screen (6), try
    #   dpo train experiments/demo.yaml --set beta=0.1 --set learning_rate=0.001 --set num_train_epochs=2 --set rpo_alpha=null
    # (likelihood displacement, KL over 40 nats, garbled samples).
    model: builtin:tiny
    dataset: builtin:sentiment
    builtin:
      train_pairs: 4000
      eval_pairs: 200
    tiny:
      vocab_size: 1024
      hidden_size: 128
      num_hidden_layers: 4
      num_attention_heads: 4
      intermediate_size: 352
    sft:
      max_steps: 300
      learning_rate: 0.002
      batch_size: 16
    loss_type: sigmoid
    beta: 0.3
    rpo_alpha: 0.5
    learning_rate: 0.0005
    per_device_train_batch_size: 16
    num_train_epochs: 1
    max_length: 96
    max_prompt_length: 32
    warmup_steps: 10
    lr_scheduler_type: cosine
    eval_steps: 50
    save_steps: 50
    logging_steps: 1
    seed: 42
    samples:
      prompts: 64
      max_new_tokens: 32
      temperature: 1.0

    """

    public static func experiment() throws -> Experiment { try Experiment(yaml: yaml, file: name) }
}
