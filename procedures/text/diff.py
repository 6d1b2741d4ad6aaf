"""What changed between two texts: lines added and removed, the changed words within a line
marked, and long unchanged stretches folded away.

The result is plain data (no HTML): templates render it, escaping every piece of text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

# Unchanged lines shown on each side of a change; the rest of an unchanged stretch is folded.
CONTEXT = 3
# A changed line pair is compared word by word only when the lines are alike enough for the
# marked words to help, and short enough for it to be cheap.
WORD_DIFF_MIN_RATIO = 0.3
WORD_DIFF_MAX_CHARS = 5000
TOKEN = re.compile(r"\s+|\w+|[^\w\s]")

EQUAL, INSERT, DELETE = "equal", "insert", "delete"


@dataclass(frozen=True)
class Span:
    text: str
    changed: bool


@dataclass(frozen=True)
class Line:
    kind: str  # EQUAL, INSERT or DELETE
    old_number: int | None
    new_number: int | None
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Block:
    lines: tuple[Line, ...]
    folded: bool  # an unchanged stretch, shown collapsed


@dataclass(frozen=True)
class Diff:
    blocks: tuple[Block, ...]
    inserted: int
    deleted: int

    @property
    def has_changes(self) -> bool:
        return bool(self.inserted or self.deleted)


def _words(old: str, new: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Return the spans of an old and a new line with the words that differ marked."""
    if max(len(old), len(new)) > WORD_DIFF_MAX_CHARS:
        return (Span(old, True),), (Span(new, True),)
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    # Alike means sharing words: shared spaces and punctuation alone do not count.
    shared = sum(
        len(token) for tag, i1, i2, _, _ in opcodes if tag == "equal"
        for token in a[i1:i2] if token.strip() and token[0].isalnum()
    )  # fmt: skip
    total = sum(len(t) for t in a + b if t.strip() and t[0].isalnum()) or 1
    if 2 * shared / total < WORD_DIFF_MIN_RATIO:
        return (Span(old, True),), (Span(new, True),)
    old_spans: list[Span] = []
    new_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if i2 > i1:
            old_spans.append(Span("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            new_spans.append(Span("".join(b[j1:j2]), tag != "equal"))
    return _merged(old_spans), _merged(new_spans)


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    """Join neighbouring spans of the same kind, and a lone space between two changes into
    them, so that "the old words" reads as one change and the markup stays small."""
    spans = [
        Span(span.text, True)
        if not span.changed and not span.text.strip() and 0 < i < len(spans) - 1
        and spans[i - 1].changed and spans[i + 1].changed
        else span
        for i, span in enumerate(spans)
    ]  # fmt: skip
    out: list[Span] = []
    for span in spans:
        if out and out[-1].changed == span.changed:
            out[-1] = Span(out[-1].text + span.text, span.changed)
        else:
            out.append(span)
    return tuple(out)


def _matched_lines(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Return the pairs (i, j) of lines kept from `a` to `b`, in order ("patience" diff).

    Lines that occur once in each text anchor the match; the stretches between anchors are
    matched the same way, and difflib's matcher only handles stretches with no such line.
    That keeps a long text fast (difflib alone is quadratic on Markdown's many blank and
    repeated lines) and pairs up the lines a reader would.
    """
    pairs: list[tuple[int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        while alo < ahi and blo < bhi and a[alo] == b[blo]:  # common head
            pairs.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:  # common tail
            pairs.append((ahi - 1, bhi - 1))
            ahi, bhi = ahi - 1, bhi - 1
        if alo >= ahi or blo >= bhi:
            continue
        anchors = _unique_common(a, b, alo, ahi, blo, bhi)
        if not anchors:
            matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi])
            pairs.extend(
                (alo + i + k, blo + j + k)
                for i, j, n in matcher.get_matching_blocks()
                for k in range(n)
            )
            continue
        i_prev, j_prev = alo, blo
        for i, j in anchors:
            pairs.append((i, j))
            stack.append((i_prev, i, j_prev, j))
            i_prev, j_prev = i + 1, j + 1
        stack.append((i_prev, ahi, j_prev, bhi))
    return sorted(pairs)


def _unique_common(
    a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Return the longest in-order run of lines found exactly once in each range."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    in_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    candidates = [(i, in_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in in_b]
    # Longest increasing subsequence of the b positions (patience sorting).
    tops: list[int] = []  # the j at the top of each pile
    tops_index: list[int] = []  # the candidate at the top of each pile
    back: list[int] = []  # each candidate's predecessor, -1 for none
    for index, (_, j) in enumerate(candidates):
        pile = bisect_left(tops, j)
        if pile == len(tops):
            tops.append(j)
            tops_index.append(index)
        else:
            tops[pile] = j
            tops_index[pile] = index
        back.append(tops_index[pile - 1] if pile else -1)
    run: list[tuple[int, int]] = []
    index = tops_index[-1] if tops_index else -1
    while index != -1:
        run.append(candidates[index])
        index = back[index]
    return run[::-1]


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Turn the kept lines into difflib-style opcodes (equal, replace, delete, insert)."""
    opcodes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for pi, pj in [*_matched_lines(a, b), (len(a), len(b))]:
        if i < pi or j < pj:
            tag = "replace" if i < pi and j < pj else ("delete" if i < pi else "insert")
            opcodes.append((tag, i, pi, j, pj))
        if pi < len(a):
            last = opcodes[-1] if opcodes else None
            if last and last[0] == "equal" and last[2] == pi and last[4] == pj:
                opcodes[-1] = ("equal", last[1], pi + 1, last[3], pj + 1)
            else:
                opcodes.append(("equal", pi, pi + 1, pj, pj + 1))
        i, j = pi + 1, pj + 1
    return opcodes


def _lines(a: list[str], b: list[str]) -> list[Line]:
    lines: list[Line] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == "equal":
            lines.extend(
                Line(EQUAL, i + 1, j + 1, (Span(a[i], False),))
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        old_spans = {i: (Span(a[i], True),) for i in olds}
        new_spans = {j: (Span(b[j], True),) for j in news}
        # Pair the lines of a replaced stretch in order, to mark the words that changed.
        for i, j in zip(olds, news, strict=False):
            old_spans[i], new_spans[j] = _words(a[i], b[j])
        lines.extend(Line(DELETE, i + 1, None, old_spans[i]) for i in olds)
        lines.extend(Line(INSERT, None, j + 1, new_spans[j]) for j in news)
    return lines


def _fold(lines: list[Line], context: int) -> tuple[Block, ...]:
    """Group lines into shown blocks and folded unchanged stretches."""
    blocks: list[Block] = []
    shown: list[Line] = []

    def flush_shown() -> None:
        if shown:
            blocks.append(Block(tuple(shown), folded=False))
            shown.clear()

    i = 0
    while i < len(lines):
        if lines[i].kind != EQUAL:
            shown.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and lines[end].kind == EQUAL:
            end += 1
        run = lines[i:end]
        keep_before = 0 if i == 0 else context  # lines after the previous change
        keep_after = 0 if end == len(lines) else context  # lines before the next change
        if len(run) > keep_before + keep_after + 1:
            shown.extend(run[:keep_before])
            flush_shown()
            cut = len(run) - keep_after
            blocks.append(Block(tuple(run[keep_before:cut]), folded=True))
            shown.extend(run[cut:])
        else:
            shown.extend(run)
        i = end
    flush_shown()
    return tuple(blocks)


def diff_texts(old: str, new: str, *, context: int = CONTEXT) -> Diff:
    """Return the line-by-line difference from `old` to `new`, unchanged stretches folded."""
    lines = _lines((old or "").splitlines(), (new or "").splitlines())
    return Diff(
        blocks=_fold(lines, context),
        inserted=sum(1 for line in lines if line.kind == INSERT),
        deleted=sum(1 for line in lines if line.kind == DELETE),
    )
