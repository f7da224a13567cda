"""Tiny torch.save checkpoints for the TypeScript reader's tests (main/engine/packs/torch/), with the expected
values as JSON: fp32/fp16/bf16/fp64 tensors, transposed and offset views, views sharing one storage, a bare
module state dict (OrderedDict with _metadata), fairseq2's nested {"model": ...}, a DDP `module.` prefix and
pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL) and ZIP64 records.

    /usr/bin/python3 make_cases.py OUT_DIR"""
import json
import os
import sys
import zipfile

import torch


def flat(t):
    return t.detach().float().contiguous().view(-1).tolist()


def main(out):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    base = torch.randn(6, 5, generator=g)
    cases = {}

    def case(name, obj, expected, **kw):
        torch.save(obj, os.path.join(out, name + ".pt"), **kw)
        cases[name] = {k: {"shape": list(v.shape), "values": flat(v)} for k, v in expected.items()}

    lin = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3))
    sd = lin.state_dict()
    case("module_state", sd, dict(sd))
    mixed = {
        "f32": torch.randn(3, 4, generator=g),
        "f16": torch.randn(2, 7, generator=g).half(),
        "bf16": torch.randn(5, generator=g).bfloat16(),
        "f64": torch.randn(2, 2, generator=g).double(),
        "scalar": torch.tensor(3.5),
        "transposed": base.t(),
        "offset_view": base[2:5, 1:4],
        "row_slice": base[3:],
        "base": base,
        "strided": base[::2, ::2],
        "f16_t": torch.randn(3, 5, generator=g).half().t(),
    }
    case("fairseq2_nested", {"model": mixed, "cfg": {"a": {"b": 1, "big": 2 ** 40, "neg": -7}, "lr": 0.5},
                             "misc": [1, 2.5, "s", None, True, (1, 2)]}, mixed)
    ddp = {"module.x.weight": torch.randn(2, 3, generator=g), "module.y": torch.randn(4, generator=g)}
    case("ddp_prefix", {"model": ddp}, {k[len("module."):]: v for k, v in ddp.items()})
    p4 = {"a": torch.randn(3, 3, generator=g), "b": torch.randn(2, generator=g).half()}
    case("protocol4", {"model": p4}, p4, pickle_protocol=4)
    # the same archive rewritten with ZIP64 records everywhere (as torch writes for files over 4 GB): zipfile's
    # limits lowered so every size/offset goes through the ZIP64 extra field and end records
    src = os.path.join(out, "protocol4.pt")
    lim = (zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT)
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0
    try:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(os.path.join(out, "zip64.pt"), "w", zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info.filename))
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = lim
    # and the classic end record saturated, so a reader must take the counts and offsets from the ZIP64 end record
    with open(os.path.join(out, "zip64.pt"), "r+b") as f:
        data = f.read()
        eocd = data.rindex(b"PK\x05\x06")
        f.seek(eocd + 8)
        f.write(b"\xff\xff\xff\xff" + b"\xff\xff\xff\xff" + b"\xff\xff\xff\xff")
    cases["zip64"] = cases["protocol4"]
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(cases, f)


if __name__ == "__main__":
    main(sys.argv[1])
