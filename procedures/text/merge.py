"""Three-way merging of texts, and the conflict markers it leaves for a person to resolve."""

from __future__ import annotations

from merge3 import Merge3

CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")


def has_conflict_markers(body: str) -> bool:
    """Return whether a body still holds the markers of an unresolved merge."""
    lines = body.splitlines()
    return any(line.startswith(CONFLICT_MARKERS[0]) for line in lines) and any(
        line.startswith(CONFLICT_MARKERS[2]) for line in lines
    )


def conflict_count(body: str) -> int:
    """Return how many marked conflicts a merged body still holds."""
    return sum(1 for line in body.splitlines() if line.startswith(CONFLICT_MARKERS[0]))


def preview_source(body: str) -> str:
    """Return the Markdown a preview renders for `body`: each side of a marked conflict in a
    box named after it. Left as they are, Markdown reads the marker lines as a heading
    underline (=======) and quotes (>>>>>>>), which hides what is in conflict."""
    if not has_conflict_markers(body):
        return body
    start, middle, end = CONFLICT_MARKERS
    out: list[str] = []
    conflict: list[str] | None = None  # the raw lines of the conflict being read
    sides: list[tuple[str, list[str]]] = []

    def box(label: str, lines: list[str]) -> list[str]:
        title = label.strip().replace('"', "'") or "one side"
        content = [f"    {line}" if line.strip() else "" for line in lines]
        return [
            "",
            f'!!! danger "Conflict: {title}"',
            *(content or ["    *(nothing on this side)*"]),
            "",
        ]

    for line in body.splitlines():
        if line.startswith(start):
            out.extend(conflict or [])  # an earlier start marker left without its end
            conflict, sides = [line], [(line[len(start) :], [])]
        elif conflict is None:
            out.append(line)
        elif line.rstrip() == middle and len(sides) == 1:
            conflict.append(line)
            sides.append(("", []))
        elif line.startswith(end) and len(sides) == 2:
            sides[1] = (line[len(end) :], sides[1][1])
            out.extend(line for label, lines in sides for line in box(label, lines))
            conflict = None
        else:
            conflict.append(line)
            sides[-1][1].append(line)
    out.extend(conflict or [])
    return "\n".join(out) + ("\n" if body.endswith("\n") else "")


def merge_texts(*, base: str, ours: str, theirs: str, theirs_label: str) -> tuple[str, int]:
    """Three-way merge of line-based texts; return the result and its number of conflicts."""
    merger = Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    conflicts = sum(1 for group in merger.merge_groups() if group[0] == "conflict")
    lines = merger.merge_lines(
        name_a="your draft",
        name_b=theirs_label,
        start_marker="<<<<<<<",
        mid_marker="=======",
        end_marker=">>>>>>>",
    )
    merged = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    if not ours.endswith("\n") and not theirs.endswith("\n") and merged.endswith("\n"):
        merged = merged[:-1]
    return merged, conflicts
