"""Keep freed memory in the process during training.

glibc serves every allocation above 32 MB with a fresh mmap and returns it on free, so each vocabulary-sized tensor
of a training step (86 MB) was page-faulted in again, step after step: on the 2-core machines this project trains
on, that was 38% of a step (2.5 s -> 1.6 s per step with mmap disabled; tools/bench_train.py). Disabling mmap and
automatic trimming makes freed blocks reusable; peak memory is unchanged, the process only stops shrinking."""
from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4


def _set(mmap_max: int, trim_threshold: int) -> bool:
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_MAX, mmap_max)) and bool(mallopt(M_TRIM_THRESHOLD, trim_threshold))


def keep_freed_memory() -> bool:
    """True when glibc accepted the settings (False elsewhere: other C libraries, other systems)."""
    return _set(0, 1 << 30)


def glibc_defaults() -> bool:
    """Undo keep_freed_memory (glibc's documented defaults): tools/bench_train.py times both in one process."""
    return _set(65536, 128 * 1024)
