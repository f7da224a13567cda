#!/usr/bin/env python3
"""Write the float32 → float16 reference values for main/engine/packs/convert/fp16.ts: numpy's astype(np.float16)
(the reference of concept_tools/sonar_fp16.py) on the special cases (±0, ±inf, NaNs with payloads, overflow, the
subnormal range and its edges), exact ties between neighbouring halves (normal and subnormal), and random bit
patterns over the whole float32 range and over the range weights live in. Deterministic (seed 0).

Layout (gzipped, little-endian): uint32 count, count × float32 bit patterns, count × float16 bit patterns.

    /usr/bin/python3 tools/tests/fp16_fixture.py test/fixtures/fp16/numpy-half.bin.gz"""
import gzip
import sys

import numpy as np


def values() -> np.ndarray:
    rng = np.random.default_rng(0)
    special = np.array([0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7f800001, 0xff800001, 0x7fc00000,
                        0xffc00000, 0x7f802000, 0x7f801fff, 0x7fffffff, 0xffffffff, 0x7f7fffff, 0xff7fffff,
                        0x477fe000, 0x477fefff, 0x477ff000, 0x477fffff, 0x47800000, 0x00000001, 0x00800000,
                        0x33000000, 0x33000001, 0x32ffffff, 0x33800000, 0x387fc000, 0x387fe000, 0x387fffff,
                        0x38800000, 0x38000000, 0x37ffffff, 0x3f800000, 0xbf800000, 0x3f801000, 0x3f803000,
                        0x3f800fff, 0x3f801001], dtype=np.uint32)
    # exact midpoints between neighbouring halves (ties: round to even): all 1023 subnormal ones and a sample of
    # the normal ones, and the floats just above and below them
    halves = np.arange(0, 0x7c00, dtype=np.uint16).view(np.float16).astype(np.float64)
    mids64 = (halves[:-1] + halves[1:]) / 2
    pick = np.concatenate([np.arange(1023), np.sort(rng.choice(np.arange(1023, mids64.size), 4000, replace=False))])
    mids = mids64[pick].astype(np.float32)
    assert np.all(mids.astype(np.float64) == mids64[pick])
    near = np.concatenate([np.nextafter(mids, np.float32(np.inf)), np.nextafter(mids, np.float32(0))])
    near = near[rng.choice(near.size, 4000, replace=False)]
    rand_bits = rng.integers(0, 2**32, 6000, dtype=np.uint64).astype(np.uint32)
    weights = (rng.standard_normal(3000) * 0.02).astype(np.float32)
    tiny = (rng.standard_normal(3000) * 1e-5).astype(np.float32)
    parts = [special, mids.view(np.uint32), near.view(np.uint32), rand_bits, weights.view(np.uint32),
             tiny.view(np.uint32)]
    out = np.concatenate(parts)
    return np.concatenate([out, out ^ np.uint32(0x80000000)])


def main():
    bits = values()
    with np.errstate(over="ignore", invalid="ignore"):
        half = bits.view(np.float32).astype(np.float16).view(np.uint16)
    with open(sys.argv[1], "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(np.uint32(bits.size).astype("<u4").tobytes())
        f.write(bits.astype("<u4").tobytes())
        f.write(half.astype("<u2").tobytes())
    print(f"{bits.size} values, numpy {np.__version__}")


if __name__ == "__main__":
    main()
