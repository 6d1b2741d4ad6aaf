"""Caches of what reading pages show, and the one API that invalidates them.

- `versions`: the versions (MANUAL, WORK, PERMISSIONS) in the shared cache and `invalidate()`;
- `toc`: the table of contents (`book()`), in each process's memory under the manual's version;
- `work`: work in review (`in_review()`), in the shared cache;
- `pages`: whole reading pages for readers, in each process's memory.
"""

from .versions import MANUAL, PERMISSIONS, WORK, current, invalidate

__all__ = ["MANUAL", "PERMISSIONS", "WORK", "current", "invalidate"]
