/// Sequences the trainer samples together (samples, Online DPO, RSO, SPPO): one pass over the weights serves them
/// all, and 32 keeps the key/value caches of even a SmolLM2-sized model with long prompts near a few hundred MB.
let generationBatch = 32
