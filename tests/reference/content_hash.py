"""Independent implementation of the snapshot content hash (docs/snapshot-format.md, "Content
hash"), applied to the tiny snapshot of tests/snapshot_io.rs (`tiny()`), written out by hand here.

Produces tests/reference/tiny_content_hash.txt:
    python3 tests/reference/content_hash.py > tests/reference/tiny_content_hash.txt
Standard library only.
"""
import math
import struct
from datetime import date

M = 2**64
OFFSET = 0xCBF29CE484222325
PRIME = 0x100000001B3
NULL_CODE = 2**32 - 1
NO_DATE = -(2**31)
NAN = float("nan")


class Hasher:
    def __init__(self):
        self.h = OFFSET

    def word(self, w):
        self.h = ((self.h ^ (w % M)) * PRIME) % M

    def bytes(self, b):
        self.word(len(b))
        for i in range(0, len(b), 8):
            chunk = b[i:i + 8].ljust(8, b"\0")
            self.word(int.from_bytes(chunk, "little"))

    def words(self, values, f=lambda v: v):
        self.word(len(values))
        for v in values:
            self.word(f(v))

    def strings(self, values):
        self.word(len(values))
        for v in values:
            self.bytes(v.encode("utf-8"))

    def finish(self):
        z = self.h
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % M
        return z ^ (z >> 31)


def count(v):
    return M - 1 if math.isnan(v) else int(v)


def param(v):
    return M - 1 if math.isnan(v) else struct.unpack("<Q", struct.pack("<d", v))[0]


def days(y, m, d):
    return (date(y, m, d) - date(1970, 1, 1)).days


N = NULL_CODE
ids = ["org/base", "org/ft", "alice/quant", "bob/merge"]
# (name, values, codes) of the single-valued categoricals, values in first-appearance order
# (Categorical::from_options) except country, which is given explicitly in the test.
author = (["org", "alice"], [0, 0, 1, N])
pipeline_tag = (["text-generation"], [0, N, 0, N])
library = (["transformers", "peft", "gguf"], [0, 1, 2, N])
license_ = (["apache-2.0", "mit"], [0, 1, N, 0])
architecture = (["llama", "mistral"], [0, 0, N, 1])
training_data = (["open", "closed"], [0, N, N, 1])
org_type = (["big tech", "individual"], [0, 0, 1, N])
country = (["France", "United States", "Unused"], [1, 1, N, 0])
gated_truth = [0, 1, 2, 0]  # false, true, null, false
# (values, offsets, codes) of the multi-label columns
languages = (["en", "fr", "de"], [0, 2, 2, 3, 4], [0, 1, 0, 2])
input_modalities = (["text", "image"], [0, 1, 3, 3, 4], [0, 0, 1, 0])
output_modalities = (["text"], [0, 1, 2, 2, 2], [0, 0])
training_methods = (["pretraining", "sft", "dpo"], [0, 1, 3, 3, 3], [0, 1, 2])

h = Hasher()


def categorical(name, c):
    h.bytes(name.encode())
    h.strings(c[0])
    h.words(c[1])


def multi(name, m):
    h.bytes(name.encode())
    h.strings(m[0])
    h.words(m[1])
    h.words(m[2])


h.bytes(b"id")
h.strings(ids)
categorical("author", author)
h.bytes(b"created")
h.words([days(2021, 11, 2), days(2023, 5, 17), NO_DATE, 19500])
h.bytes(b"bases")
h.words([0, 0, 1, 2, 4])
h.words([0, 1, 0, 1])
h.words([0, 2, 3, 3])  # finetune, quantized, merge, merge
h.bytes(b"likes")
h.words([10.0, NAN, 0.0, 300.0], count)
h.bytes(b"downloads_30d")
h.words([5_000_000_000.0, 3.0, NAN, 0.0], count)
h.bytes(b"downloads_all_time")
h.words([NAN, NAN, NAN, 65535.0], count)
h.bytes(b"weekly_downloads")
h.words([0, 3, 3, 4, 4])
h.words([1200, 1201, 1205, 1203])
h.words([5, 70000, 0, 1])
h.bytes(b"params")
h.words([7.0e9, NAN, 7.0e9, 1.5], param)
h.bytes(b"params_source")
h.words([0, 2, 1, 0])  # safetensors, unknown, estimated, safetensors
h.bytes(b"file_bytes")
h.words([14_000_000_000.0, NAN, 4_000_000_000.0, 3.0], count)
categorical("pipeline_tag", pipeline_tag)
categorical("library", library)
categorical("license", license_)
h.bytes(b"gated")
h.words(gated_truth)
multi("languages", languages)
multi("input_modalities", input_modalities)
multi("output_modalities", output_modalities)
categorical("architecture", architecture)
multi("training_methods", training_methods)
categorical("training_data", training_data)
categorical("org_type", org_type)
categorical("country", country)
print(f"{h.finish():016x}")
