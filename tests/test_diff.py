"""procedures.text.diff: lines added and removed, changed words marked, unchanged stretches folded."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procedures.text.diff import DELETE, EQUAL, INSERT, WORD_DIFF_MAX_CHARS, Span, diff_texts


def shown(diff):
    return [(line.kind, "".join(s.text for s in line.spans)) for b in diff.blocks
            if not b.folded for line in b.lines]  # fmt: skip


def folded(diff):
    return [len(b.lines) for b in diff.blocks if b.folded]


def test_identical_texts_have_no_changes_and_fold_entirely():
    text = "\n".join(f"line {n}" for n in range(20))
    diff = diff_texts(text, text)
    assert not diff.has_changes
    assert folded(diff) == [20] and shown(diff) == []


def test_changed_words_are_marked_within_a_line():
    diff = diff_texts("Call the client now.\n", "Email the client now.\n")
    (old, new) = [line for block in diff.blocks for line in block.lines]
    assert old.kind == DELETE and new.kind == INSERT
    assert old.spans == (Span("Call", True), Span(" the client now.", False))
    assert new.spans == (Span("Email", True), Span(" the client now.", False))
    assert (diff.inserted, diff.deleted) == (1, 1)


def test_unlike_lines_are_marked_whole():
    diff = diff_texts("Reboot the server\n", "Ask finance first\n")
    lines = [line for block in diff.blocks for line in block.lines]
    assert [line.spans for line in lines] == [
        (Span("Reboot the server", True),),
        (Span("Ask finance first", True),),
    ]


def test_folding_keeps_context_around_changes():
    old = [f"line {n}" for n in range(1, 41)]
    new = [*old[:19], "line twenty", *old[20:]]
    diff = diff_texts("\n".join(old), "\n".join(new), context=3)
    assert folded(diff) == [16, 17]
    assert shown(diff) == [
        (EQUAL, "line 17"), (EQUAL, "line 18"), (EQUAL, "line 19"),
        (DELETE, "line 20"), (INSERT, "line twenty"),
        (EQUAL, "line 21"), (EQUAL, "line 22"), (EQUAL, "line 23"),
    ]  # fmt: skip


def test_a_short_unchanged_stretch_is_not_folded():
    diff = diff_texts("a\nb\nc\nd\ne\n", "A\nb\nc\nd\nE\n", context=2)
    assert folded(diff) == []  # 3 lines between the changes: nothing worth folding


def test_insertions_and_deletions_carry_line_numbers():
    diff = diff_texts("one\ntwo\n", "one\nnew\ntwo\n")
    lines = [line for block in diff.blocks for line in block.lines]
    assert [(line.kind, line.old_number, line.new_number) for line in lines] == [
        (EQUAL, 1, 1),
        (INSERT, None, 2),
        (EQUAL, 2, 3),
    ]


def test_from_and_to_empty():
    assert (diff_texts("", "a\nb").inserted, diff_texts("a\nb", "").deleted) == (2, 2)
    assert not diff_texts("", "").has_changes


def test_very_long_lines_are_marked_whole():
    old, new = "x" * (WORD_DIFF_MAX_CHARS + 1), "x" * WORD_DIFF_MAX_CHARS + "y"
    lines = [line for block in diff_texts(old, new).blocks for line in block.lines]
    assert [len(line.spans) for line in lines] == [1, 1]


def test_neighbouring_changed_words_read_as_one_change():
    diff = diff_texts("check the old backup now\n", "check a new tape now\n")
    old, new = [line for block in diff.blocks for line in block.lines]
    assert old.spans == (Span("check ", False), Span("the old backup", True), Span(" now", False))
    assert new.spans == (Span("check ", False), Span("a new tape", True), Span(" now", False))


lines_of = st.lists(
    st.sampled_from(["", "a", "b", "- item", "## Step", "x y z", "x y w"]), max_size=40
)


@given(old=lines_of, new=lines_of)
# No deadline and no too-slow check: a busy machine makes any example slow now and then.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_diff_gives_back_both_texts(old, new):
    diff = diff_texts("\n".join(old), "\n".join(new), context=1)
    lines = [line for block in diff.blocks for line in block.lines]
    text_of = ["".join(span.text for span in line.spans) for line in lines]
    got_old = [t for line, t in zip(lines, text_of, strict=True) if line.kind != INSERT]
    got_new = [t for line, t in zip(lines, text_of, strict=True) if line.kind != DELETE]
    assert got_old == "\n".join(old).splitlines()
    assert got_new == "\n".join(new).splitlines()
    assert [line.old_number for line in lines if line.kind != INSERT] == list(
        range(1, len(got_old) + 1)
    )
    assert [line.new_number for line in lines if line.kind != DELETE] == list(
        range(1, len(got_new) + 1)
    )
    assert diff.inserted == sum(1 for line in lines if line.kind == INSERT)
    assert not diff.has_changes or old != new
