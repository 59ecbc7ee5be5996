// The byte-level BPE tokenizer (issue 3): files arrive with the tokenizer work.
