"""A small intent classifier trained from the Rasa project's nlu.yml.

Character n-grams (Chinese has no spaces, and citizens make typos) weighted by TF-IDF, scored
against every training example by cosine similarity; the intent of the nearest examples wins when
they are similar enough. Fast enough for thousands of turns a second, with no model files to ship.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")
_SPACES = re.compile(r"\s+")
NGRAM_SIZES = (1, 2, 3)
NEIGHBOURS = 3
COMMON_SHARE = 0.05
# Values say nothing about intent and would drown the words around them: "change the phone to
# 139..." must look like "change the phone to N".
_MASKS = (
    (re.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|cn|net|org|gov|edu)\b\S*", re.IGNORECASE), " U "),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), " E "),
    (re.compile(r"ts[-\s]?\d{8}[-\s]?\w{6}", re.IGNORECASE), " T "),
    (re.compile(r"\d[\d\s-]{5,}\d"), " N "),
)


@dataclass(frozen=True, slots=True)
class IntentGuess:
    intent: str | None
    confidence: float


def plain_example(text: str) -> str:
    """An nlu.yml example without entity annotations: "[x](url)" -> "x"."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text)


def read_examples(nlu_file: Path) -> list[tuple[str, str]]:
    with open(nlu_file, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    pairs = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((block["intent"], plain_example(line[2:].strip())))
    return pairs


def _normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    for pattern, placeholder in _MASKS:
        folded = pattern.sub(placeholder, folded)
    return _SPACES.sub(" ", folded).strip()


def _grams(text: str) -> Counter[str]:
    padded = f" {_normalize(text)} "
    grams: Counter[str] = Counter()
    for size in NGRAM_SIZES:
        grams.update(padded[i:i + size] for i in range(len(padded) - size + 1))
    grams.pop(" ", None)
    return grams


class IntentMatcher:
    def __init__(self, examples: Iterable[tuple[str, str]], threshold: float = 0.35) -> None:
        pairs = list(examples)
        self.threshold = threshold
        documents = [_grams(text) for _, text in pairs]
        frequency: Counter[str] = Counter(g for doc in documents for g in doc)
        total = len(documents) or 1
        self._idf = {g: math.log((1 + total) / (1 + n)) + 1 for g, n in frequency.items()}
        self._exact = {_normalize(text): intent for intent, text in pairs}
        self._vectors = [(intent, self._vector(doc)) for (intent, _), doc in zip(pairs, documents, strict=True)]
        self._postings: dict[str, list[int]] = defaultdict(list)
        # Grams found in most examples (single Latin letters, spaces) say little and cost most.
        common = {g for g, n in frequency.items() if n > total * COMMON_SHARE}
        for index, (_, vector) in enumerate(self._vectors):
            for gram in vector:
                if gram not in common:
                    self._postings[gram].append(index)

    @classmethod
    def from_nlu(cls, nlu_file: Path, **options: Any) -> IntentMatcher:
        return cls(read_examples(nlu_file), **options)

    def _vector(self, grams: Mapping[str, int]) -> dict[str, float]:
        weights = {g: (1 + math.log(n)) * self._idf.get(g, 0.0) for g, n in grams.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items() if w}

    def classify(self, text: str) -> IntentGuess:
        exact = self._exact.get(_normalize(text))
        if exact is not None:
            return IntentGuess(exact, 1.0)
        query = self._vector(_grams(text))
        scores: dict[int, float] = defaultdict(float)
        for gram, weight in query.items():
            for index in self._postings.get(gram, ()):
                scores[index] += weight * self._vectors[index][1][gram]
        if not scores:
            return IntentGuess(None, 0.0)
        # The intent whose nearest few examples are most similar in sum: one lucky example
        # of the wrong intent does not outvote several good ones.
        by_intent: dict[str, list[float]] = defaultdict(list)
        for index, score in scores.items():
            by_intent[self._vectors[index][0]].append(score)
        ranked = {intent: sorted(found, reverse=True)[:NEIGHBOURS] for intent, found in by_intent.items()}
        best = max(ranked, key=lambda intent: sum(ranked[intent]))
        confidence = ranked[best][0]
        return IntentGuess(best if confidence >= self.threshold else None, round(confidence, 3))
