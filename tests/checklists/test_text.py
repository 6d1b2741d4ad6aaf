"""Steps from a Markdown text: task items only, nested, grouped, formatted, sanitised."""

from checklists.text import extract_steps, has_steps


def test_task_items_become_steps_in_order_with_their_heading():
    steps = extract_steps("# Prep\n\n- [ ] one\n- plain item\n- [x] two\n\n## Go\n\n1. [ ] three\n")
    assert [(s.group, s.depth, s.html) for s in steps] == [
        ("Prep", 0, "one"),
        ("Prep", 0, "two"),
        ("Go", 0, "three"),
    ]


def test_nested_items_keep_their_depth():
    steps = extract_steps("- [ ] parent\n    - [ ] child\n        - [ ] grandchild\n- [ ] next\n")
    assert [(s.depth, s.html) for s in steps] == [
        (0, "parent"), (1, "child"), (2, "grandchild"), (0, "next"),
    ]  # fmt: skip


def test_inline_formatting_and_links_are_kept():
    (step,) = extract_steps("- [ ] **Back up** the `db` at [the NAS](https://nas.example/x)\n")
    assert "<strong>Back up</strong>" in step.html
    assert "<code>db</code>" in step.html
    assert 'href="https://nas.example/x"' in step.html
    assert "<input" not in step.html


def test_a_box_in_a_code_block_is_not_a_step():
    text = "```\n- [ ] not a step\n```\n\n    - [ ] indented code\n\n- [ ] real\n"
    assert [s.html for s in extract_steps(text)] == ["real"]


def test_loose_list_items_are_unwrapped():
    assert [s.html for s in extract_steps("- [ ] one\n\n- [ ] two\n")] == ["one", "two"]


def test_markup_and_scripts_are_sanitised():
    (step,) = extract_steps(
        "- [ ] <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))\n"
    )
    assert "<script" not in step.html
    assert "onerror" not in step.html
    assert "javascript:" not in step.html


def test_heading_text_drops_the_permalink_and_entities_are_read():
    (step,) = extract_steps("## Fish &amp; chips\n\n- [ ] a & b\n")
    assert step.group == "Fish & chips"
    assert step.html == "a &amp; b"


def test_no_task_items():
    assert not has_steps("# Title\n\n- plain\n- list\n")
    assert has_steps("- [ ] x")
