"""Golden reference ids from the Hugging Face `tokenizers` library for the Swift byte-level BPE tokenizer.

Nothing is downloaded: the script trains its own small tokenizers on a corpus it generates (seeded), so every
fixture can be rebuilt from this file alone. It writes, beside itself:

  corpus.txt                     -- a 64 KB slice of the generated corpus; the Swift trainer test trains on it
  <variant>/tokenizer.json       -- one small tokenizer per pre-tokenizer form the Swift loader must handle:
      gpt2           ByteLevel(use_regex=True) alone, and merges as "a b" strings, as GPT-2 ships it
      llama3         Split(Llama-3 regex, Isolated) + ByteLevel(use_regex=False); a TemplateProcessing
                     post-processor (never applied by the Swift encoder, only carried through save)
      smollm         Digits(individual_digits=True) + ByteLevel(use_regex=True), as SmolLM2 ships it
      ignore_merges  llama3's vocabulary with `ignore_merges: true` and some merges deleted, so that whole-word
                     lookups and merging give different ids
      gpt2_extras    gpt2's vocabulary with ByteLevel(add_prefix_space=True) and non-special added tokens that
                     use lstrip/rstrip/single_word/normalized
  hf_trainer/tokenizer.json      -- BpeTrainer (600 tokens) on the lines of corpus.txt without special tokens: the
                                    Swift trainer must reproduce it exactly (same counts, same tie-break)
  golden.json                    -- for every variant and every test string: ids from
                                    `encode(s, add_special_tokens=False)`, and the decoded text; decode cases on
                                    cut-off and random id lists; chat-template renders from transformers
  unicode_classes.json           -- how the regex engine behind `tokenizers` (Oniguruma) classifies every code
                                    point: \\p{L}, \\p{N}, \\s or other, as [first code point, class] runs

The sixth variant, swift_trained/tokenizer.json, is written by the Swift test suite (BPETokenizer.train on
corpus.txt, saved with BPETokenizer.save), not by this script: this script loads it with `tokenizers` and records
its ids like the others, which is how we check that a Swift-trained tokenizer loads in Python and encodes the same.
Regenerating everything therefore takes three steps (from the repo root):

  /work/venv-torch/bin/python Tests/Fixtures/tokenizer/make_tokenizer_golden.py
  RECORD_TOKENIZER_FIXTURES=1 swift test --disable-swift-testing --filter TokenizerTests.TrainerTests
  /work/venv-torch/bin/python Tests/Fixtures/tokenizer/make_tokenizer_golden.py

CI never runs this script: the Swift tests read its committed output.
"""
import json
import os
import random

import tokenizers
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

OUT = os.path.dirname(os.path.abspath(__file__))
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")

# ---------------------------------------------------------------------------------------------------------------
# corpus

WORDS = """the of and to a in is it you that he was for on are with as I his they be at one have this from or had
by word but what some we can out other were all there when up use your how said an each she which do their time if
will way about many then them write would like so these her long make thing see him two has look more day could go
come did number sound no most people my over know water than call first who may down side been now find any new
work part take get place made live where after back little only round man year came show every good me give our
under name very through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand port large spell add
even land here must big high such follow act why ask men change went light kind off need house picture try us again
animal point mother world near build self earth father head stand own page should country found answer school grow
study still learn plant cover food sun four between state keep eye never last let thought city tree cross farm hard
start might story saw far sea draw left late run don't while press close night real life few north""".split()
UNICODE_WORDS = ["café", "naïve", "Zürich", "façade", "résumé", "coöperate", "Ελληνικά", "καλημέρα", "русский",
                 "привет", "日本語", "東京", "中文", "你好", "한국어", "안녕하세요", "ภาษาไทย", "עברית", "العربية",
                 "हिन्दी", "e\u0301cole", "Åström", "ñandú", "straße", "ﬁnal", "Ⅻ", "½", "²", "٣٤٥", "１２３"]
EMOJI = ["🙂", "🚀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "❤️", "🎉", "✨", "🤖", "🔥"]
CONTRACTIONS = ["I'm", "you're", "we've", "she'll", "he'd", "it's", "don't", "can't", "won't", "they're",
                "I'M", "YOU'RE", "WE'VE", "SHE'LL", "HE'D", "IT'S", "DON'T", "o'clock"]
PUNCT = [".", ",", "!", "?", ";", ":", "...", " -", " —", " (", ")", "\"", "'", " [", "]", " {", "}", " /", " #",
         " @", " %", " &", " *", " +", " =", " <", ">", " |", " ~", " $"]


def number(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return str(rng.randrange(10))
    if kind == 1:
        return str(rng.randrange(1000, 2100))
    if kind == 2:
        return f"{rng.randrange(100)}.{rng.randrange(100):02d}"
    if kind == 3:
        return f"{rng.randrange(1, 999)},{rng.randrange(1000):03d}"
    if kind == 4:
        return f"+1 ({rng.randrange(100, 999)}) {rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
    if kind == 5:
        return str(rng.randrange(10 ** 12))
    return f"v{rng.randrange(5)}.{rng.randrange(20)}.{rng.randrange(9)}"


def sentence(rng):
    out = []
    for i in range(rng.randrange(4, 18)):
        r = rng.random()
        if r < 0.72:
            w = rng.choice(WORDS)
        elif r < 0.80:
            w = rng.choice(CONTRACTIONS)
        elif r < 0.87:
            w = number(rng)
        elif r < 0.94:
            w = rng.choice(UNICODE_WORDS)
        else:
            w = rng.choice(EMOJI)
        if i == 0 or rng.random() < 0.05:
            w = w[:1].upper() + w[1:]
        out.append(w)
        if rng.random() < 0.12:
            out.append(rng.choice(PUNCT).strip())
    text = " ".join(out) + rng.choice([".", ".", ".", "!", "?", "...", ":"])
    if rng.random() < 0.05:
        text = text.upper()
    return text


def corpus(rng, n_bytes):
    lines, size = [], 0
    while size < n_bytes:
        r = rng.random()
        if r < 0.80:
            line = " ".join(sentence(rng) for _ in range(rng.randrange(1, 4)))
        elif r < 0.88:
            line = "    " + rng.choice(["return x * 2", "if (a && b) { c++; }", "for i in range(10):",
                                        "let y = f(x) // comment", "print(\"hello, world\")"])
        elif r < 0.94:
            line = "\t" + sentence(rng) + "  \t "
        else:
            line = "<|im_start|>user\n" + sentence(rng) + "<|im_end|>\n<|im_start|>assistant\n" + \
                   sentence(rng) + "<|im_end|>"
        lines.append(line)
        size += len(line.encode()) + 1
    return lines


# ---------------------------------------------------------------------------------------------------------------
# tokenizers

def train(lines, pre_tokenizer, vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    return tok


def build_variants(lines):
    v = {}
    v["gpt2"] = train(lines, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), 1280)
    llama = train(lines, pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]), 1280)
    llama.post_processor = processors.TemplateProcessing(single="<|endoftext|> $A",
                                                         special_tokens=[("<|endoftext|>", 0)])
    v["llama3"] = llama
    v["smollm"] = train(lines, pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)]), 1280)

    d = json.loads(llama.to_str())
    d["model"]["ignore_merges"] = True
    merges = d["model"]["merges"]
    # Drop every third merge of the second half: their tokens stay in the vocabulary but merging can no longer
    # reach them, so a piece equal to one of them encodes differently with and without ignore_merges.
    d["model"]["merges"] = [m for i, m in enumerate(merges) if i < len(merges) // 2 or i % 3 != 0]
    v["ignore_merges"] = Tokenizer.from_str(json.dumps(d))

    extras = Tokenizer.from_str(v["gpt2"].to_str())
    extras.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    extras.add_tokens([AddedToken("<tool>", lstrip=True, rstrip=True, normalized=False),
                       AddedToken("<think>"),
                       AddedToken("x@@y"),
                       AddedToken("@@", normalized=False),
                       AddedToken("the", single_word=True, normalized=False)])
    extras.add_special_tokens([AddedToken("[[MASK]]", single_word=True, special=True)])
    v["gpt2_extras"] = extras
    return v


# ---------------------------------------------------------------------------------------------------------------
# test strings

HANDWRITTEN = [
    "", " ", "  ", "   ", "\t", "\n", "\r", "\r\n", "\n\n", " \n", "\n ", " \n ", "\t\n", "a", "A", ".",
    "Hello world", "Hello, world!", "hello   world", "  leading spaces", "trailing spaces   ", "trailing tab\t",
    "tabs\tand\ttabs", "\t\tindented", "    four spaces", "new\nline", "double\n\nnewline", "end\n",
    "windows\r\nline\r\nendings\r\n", "mixed \t\n whitespace \n\t ", "\n\n\n", "a \n b", "a\n\n\tb",
    "  \n  x", " \r\n\r\n x", "x  \n", "word \n\n", "!\n\n", "?\r\n", "a!\n", "( \n", "line one.\n  line two.",
    "I'm", "you're", "we've", "she'll", "he'd", "it's", "don't", "I'M", "YOU'RE", "WE'VE", "SHE'LL", "HE'D",
    "IT'S", "DON'T", "'s", "'S", "'t", "'T", "'re", "'Re", "'rE", "'RE", "'ve", "'VE", "'m", "'M", "'ll", "'LL",
    "'lL", "'d", "'D", "'ſ", "'ſt", "'K", "'x", "o'clock", "rock 'n' roll", "''s", "'''", "?'s", "a's'",
    "’s curly", "Bob's and JANE'S", "it's 'quoted'", " 's", "x's", "'sa", "'ll've",
    "1", "12", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", " 42", "  42", "x1y2z3", "v2.0.1",
    "phone: +1 (555) 123-4567", "٣٤٥", "Ⅻ", "½", "²", "①②③", "１２３", "2024-06-22T11:41:49Z", "a1", "1a",
    "ab12345cd", " 1 2 3", "0.5%", "$99.99", "10^9", "٣x٤",
    "café", "naïve", "Zürich", "e\u0301", "e\u0301cole", "a\u0300\u0301\u0302", " \u0301", "\u0301", "Ελληνικά",
    "русский текст", "日本語のテキスト", "中文文本", "한국어 텍스트", "ภาษาไทย", "עברית", "العربية", "हिन्दी",
    "🙂", "🚀 launch", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇫🇷", "emoji🙂inside", " 🙂", "🙂🙂🙂", "❤️",
    "ﬁ ligature", "\u00a0nbsp\u00a0", "a\u00a0b", "\u3000ideographic space", "zero\u200bwidth", "\u2028line sep",
    "\u0085NEL", "x\u0085", "soft\u00adhyphen", "\ufeffBOM", "control\u0001\u0007chars", "\x7f", "\x00", "a\x00b",
    "\u000b\u000c", "\u001c\u001d\u001e\u001f", "\u2009thin\u2009space", " \u2009 ", "\U0001d400\U0001d7ce",
    "\U00020000\U0002a6d6", "\U0010fffd", "\ue000private", "Ǆǅǆ", "ʰʲ", "〆々",
    "<|endoftext|>", "Hello<|endoftext|>world", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|><|im_end|>", "<|endoftext|><|endoftext|>", "<|endoftext", "<|im_start|", " <|im_end|> ",
    "<|im_end|>\n", "text <|endoftext|> text", "<<|endoftext|>>", "<|endoftext|>!", "x<|im_end|>y",
    "call <tool> now", "call   <tool>   now", "<tool>", "  <tool>", "<tool>\n\nend", "a<tool>b<tool>c",
    "a[[MASK]]b", "a [[MASK]] b", "[[MASK]]", "[[MASK]].", "_[[MASK]]", "é[[MASK]]", "<think>reasoning</think>",
    "x<think>", "x@@y", "@@", "a@@@b", "the other", "bathe", "the", " the ", "theme", "then the end", "<tool>the",
    "def foo(x):\n    return x * 2\n", "if (a && b) { c++; }", "#include <stdio.h>",
    "SELECT * FROM t WHERE id = 1;", "https://example.com/path?q=1&r=2", "user@example.com",
    '{"key": "value", "n": [1, 2, 3]}', "...", "!!!", "?!", "--", "—", "“quoted”", "(parens)", "[brackets]",
    "a.b.c", "e.g. i.e.", "C++ and C#", "x -> y => z", "snake_case_name", "CamelCaseName", "ALLCAPS",
    "The quick brown fox jumps over the lazy dog.",
]


def long_strings():
    return [" " * 100, "a" * 500, "7" * 200, "🙂" * 40, "ab " * 150, "\n" * 30, " \t" * 40,
            "word " * 60 + "\n", "Ω" * 120, "." * 90]


def random_strings(rng, n):
    pool = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") +
            list(" \t\n\r.,!?'\"-()[]{}<>|_/\\#@$%&*+=~`^;:") + [" "] * 12 + ["'s", "'LL", "<|endoftext|>",
            "<|im_start|>", "<|im_end|>", "<tool>", "[[MASK]]", "<think>", "the", "@@"] +
            ["é", "ü", "ß", "Ω", "π", "ж", "日", "本", "한", "ก", "ع", "\u0301", "\u00a0", "\u3000", "\u2028",
             "٣", "½", "Ⅻ", "🙂", "👍", "🏽", "\u200d", "🚀", "\U0001d400", "\x00", "\x85"])
    return ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 40))) for _ in range(n)]


def test_strings(rng, lines):
    sentences = [l for l in lines if "<|im_start|>" not in l]
    return HANDWRITTEN + long_strings() + rng.sample(sentences, 60) + random_strings(rng, 60)


# ---------------------------------------------------------------------------------------------------------------
# golden

def variant_golden(tok, strings, rng):
    ids = [tok.encode(s, add_special_tokens=False).ids for s in strings]
    decoded = [tok.decode(i, skip_special_tokens=False) for i in ids]
    skipped = [tok.decode(i, skip_special_tokens=True) for i in ids]
    cases = []
    non_ascii = [i for s, i in zip(strings, ids) if not s.isascii() and len(i) > 1]
    for i in non_ascii[:40]:
        for k in sorted(rng.sample(range(1, len(i)), min(4, len(i) - 1))):
            cases.append(i[:k])
    size = tok.get_vocab_size(with_added_tokens=True)
    for _ in range(60):
        cases.append([rng.randrange(size + 5) for _ in range(rng.randrange(1, 12))])
    return {
        "vocab_size": size,
        "ids": ids,
        # null where the text equals the input string (keeps the file small); otherwise the decoded text
        "decoded": [None if d == s else d for d, s in zip(decoded, strings)],
        # null where equal to `decoded`
        "decoded_skip_special": [None if k == d else k for k, d in zip(skipped, decoded)],
        "decode_cases": [{"ids": c, "text": tok.decode(c, skip_special_tokens=False),
                          "text_skip_special": tok.decode(c, skip_special_tokens=True)} for c in cases],
    }


SMOLLM2_TEMPLATE = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
                    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
                    "{% endif %}")
# The Jinja text ChatTemplate.jinja emits; the Swift tests check they are still identical.
CHATML_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
                   "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
                   "{% endif %}")
HH_TEMPLATE = ("{% for message in messages %}{% if message['role'] == 'user' %}{{ '\n\nHuman: ' + message['content'] }}"
               "{% elif message['role'] == 'assistant' %}{{ '\n\nAssistant: ' + message['content'] }}"
               "{% elif message['role'] == 'system' %}{{ message['content'] }}"
               "{% else %}{{ '\n\n' + message['role'] + ': ' + message['content'] }}{% endif %}{% endfor %}"
               "{% if add_generation_prompt %}{{ '\n\nAssistant:' }}{% endif %}")
CONVERSATIONS = [  # transformers refuses an empty conversation
    [{"role": "user", "content": "What is 2+2?"}],
    [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello. How can I help?"},
     {"role": "user", "content": "Tell me a joke\nabout 'cats'."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why is the sky blue?"},
     {"role": "assistant", "content": "Rayleigh scattering."}],
    [{"role": "user", "content": ""}, {"role": "tool", "content": "{\"ok\": true}"}],
]


def chat_golden(tok):
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok)
    out = []
    for name, template in [("smollm2", SMOLLM2_TEMPLATE), ("chatml", CHATML_TEMPLATE), ("hh", HH_TEMPLATE)]:
        for conv in CONVERSATIONS:
            for gen in (False, True):
                text = fast.apply_chat_template(conv, chat_template=template, tokenize=False,
                                                add_generation_prompt=gen)
                out.append({"template": name, "messages": conv, "add_generation_prompt": gen, "text": text})
    return {"templates": {"smollm2": SMOLLM2_TEMPLATE, "chatml": CHATML_TEMPLATE, "hh": HH_TEMPLATE},
            "renders": out}


def unicode_classes():
    """Runs of [first code point, class] with class 0 other, 1 \\p{L}, 2 \\p{N}, 3 \\s, as Oniguruma sees them."""
    scalars = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "".join(map(chr, scalars))

    def matching(pattern):
        kept = pre_tokenizers.Split(Regex(pattern), behavior="removed").pre_tokenize_str(text)
        rest = set("".join(piece for piece, _ in kept))
        return {c for c in scalars if chr(c) not in rest}

    letters, numbers, spaces = matching(r"\p{L}"), matching(r"\p{N}"), matching(r"\s")
    assert not (letters & numbers) and not (letters & spaces) and not (numbers & spaces)
    runs, last = [], None
    for c in range(0x110000):
        k = 1 if c in letters else 2 if c in numbers else 3 if c in spaces else 0
        if k != last:
            runs.append([c, k])
            last = k
    return runs


def save_tokenizer(tok, path, legacy_merges=False):
    """`tok.to_str()` content, laid out one vocabulary entry and one merge a line (`pretty=True` would spend four
    lines on each merge pair and double the file). `legacy_merges` writes merges as "a b" strings, the form GPT-2's
    own tokenizer.json and files from tokenizers < 0.20 use."""
    d = json.loads(tok.to_str())
    model = d.pop("model")
    vocab, merges = model.pop("vocab"), model.pop("merges")
    head = json.dumps(d, ensure_ascii=False, indent=1)[:-2]
    model_head = json.dumps(model, ensure_ascii=False)[:-1]
    vocab_lines = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: {v}" for k, v in vocab.items())
    merge_lines = ",\n".join(f"  {json.dumps(' '.join(m) if legacy_merges else m, ensure_ascii=False)}"
                             for m in merges)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'{head},\n "model": {model_head}, "vocab": {{\n{vocab_lines}\n }}, "merges": [\n{merge_lines}\n ]}}\n}}\n')
    assert Tokenizer.from_file(path).to_str() == tok.to_str()


def dump(obj, path):
    """One JSON value per line for lists of ids, so the file stays diffable and small."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def main():
    rng = random.Random(20240622)
    lines = corpus(rng, 300_000)
    with open(os.path.join(OUT, "corpus.txt"), "w", encoding="utf-8") as f:
        kept = 0
        for line in lines:
            if kept + len(line.encode()) + 1 > 64_000:
                break
            f.write(line + "\n")
            kept += len(line.encode()) + 1

    kept_lines = open(os.path.join(OUT, "corpus.txt"), encoding="utf-8").read().split("\n")
    os.makedirs(os.path.join(OUT, "hf_trainer"), exist_ok=True)
    save_tokenizer(train([l for l in kept_lines if "<|" not in l], pre_tokenizers.ByteLevel(add_prefix_space=False),
                         600), os.path.join(OUT, "hf_trainer", "tokenizer.json"))

    variants = build_variants(lines)
    swift_path = os.path.join(OUT, "swift_trained", "tokenizer.json")
    for name, tok in variants.items():
        os.makedirs(os.path.join(OUT, name), exist_ok=True)
        save_tokenizer(tok, os.path.join(OUT, name, "tokenizer.json"), legacy_merges=name == "gpt2")
    if os.path.exists(swift_path):
        swift = Tokenizer.from_file(swift_path)
        # Loading must keep every merge and token: re-serialized by `tokenizers`, the model is the same.
        ours, theirs = json.load(open(swift_path, encoding="utf-8")), json.loads(swift.to_str())
        assert ours["model"]["vocab"] == theirs["model"]["vocab"]
        assert [list(m) for m in ours["model"]["merges"]] == [list(m) for m in theirs["model"]["merges"]]
        variants["swift_trained"] = swift
    else:
        print("note: no swift_trained/tokenizer.json yet; record it with the Swift tests, then run this again")

    strings = test_strings(rng, lines)
    golden = {
        "tokenizers_version": tokenizers.__version__,
        "transformers_version": transformers.__version__,
        "strings": strings,
        "variants": {name: variant_golden(tok, strings, random.Random(name)) for name, tok in variants.items()},
        "chat": chat_golden(variants["gpt2"]),
    }
    dump(golden, os.path.join(OUT, "golden.json"))
    dump(unicode_classes(), os.path.join(OUT, "unicode_classes.json"))
    print(f"{len(strings)} strings, variants: {', '.join(variants)}")


if __name__ == "__main__":
    main()
