"""Minimal CLIP BPE tokenizer (same algorithm as openai/CLIP simple_tokenizer.py).

Reads vocab.json and merges.txt (the SD1 tokenizer/ files). No ftfy: text is
lower-cased, HTML-unescaped and whitespace-collapsed, which matches CLIP for
plain ASCII/Unicode prompts.
"""
import html
import json
import re
from functools import lru_cache

BOS, EOS = 49406, 49407


@lru_cache()
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    return set(zip(word[:-1], word[1:]))


class ClipTokenizer:
    def __init__(self, vocab_path, merges_path):
        self.encoder = json.load(open(vocab_path, encoding="utf-8"))
        self.decoder = {v: k for k, v in self.encoder.items()}
        lines = open(merges_path, encoding="utf-8").read().split("\n")
        if lines and lines[0].startswith("#version"):
            lines = lines[1:]
        merges = [tuple(l.split()) for l in lines if l.strip()]
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.byte_encoder = bytes_to_unicode()
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
        self.pat = re.compile(
            r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+""",
            re.IGNORECASE,
        )

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = get_pairs(word)
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        out = " ".join(word)
        self.cache[token] = out
        return out

    @staticmethod
    def clean(text):
        text = html.unescape(html.unescape(text))
        text = re.sub(r"\s+", " ", text).strip()
        return text.lower()

    def encode(self, text):
        ids = []
        for tok in self.pat.findall(self.clean(text)):
            tok = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(tok).split(" "))
        return ids

    def __call__(self, text, max_length=77):
        """SD1 style: BOS + ids (truncated) + EOS, padded with EOS to max_length."""
        ids = [BOS] + self.encode(text)[: max_length - 2] + [EOS]
        return ids + [EOS] * (max_length - len(ids))


def default_tokenizer():
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    d = os.path.join(here, "..", "..", "reference", "clip-tokenizer")
    return ClipTokenizer(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"))


if __name__ == "__main__":
    import os
    import sys
    tok = default_tokenizer()
    here = os.path.dirname(os.path.abspath(__file__))
    g = json.load(open(os.path.join(here, "..", "..", "reference", "clip-tokenizer", "goldens.json") if len(sys.argv) < 2 else sys.argv[1]))
    ok = bad = 0
    for c in g["cases"]:
        ids = [BOS] + tok.encode(c["text"]) + [EOS]
        if ids == c["ids"]:
            ok += 1
        else:
            bad += 1
            print("MISMATCH", repr(c["text"]), ids, c["ids"])
        if "padded_sd1" in c and tok(c["text"]) != c["padded_sd1"]:
            print("PAD MISMATCH", repr(c["text"]))
    print(f"goldens: {ok} ok, {bad} mismatched")
