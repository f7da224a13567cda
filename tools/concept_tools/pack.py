"""pack.json writing and verification: every file listed with size and sha256 (models/FORMAT.md)."""
from __future__ import annotations

import hashlib
import json
import os

FORMAT_VERSION = 1


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_pack(folder: str, meta: dict) -> dict:
    """meta holds everything but `files`; every regular file in the folder except pack.json is listed."""
    files = []
    for name in sorted(os.listdir(folder)):
        p = os.path.join(folder, name)
        if name == "pack.json" or not os.path.isfile(p) or name.startswith("."):
            continue
        files.append({"path": name, "size": os.path.getsize(p), "sha256": sha256(p)})
    pack = {"format": FORMAT_VERSION, **meta, "files": files}
    with open(os.path.join(folder, "pack.json"), "w", encoding="utf-8") as f:
        json.dump(pack, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return pack


def verify_pack(folder: str) -> list[str]:
    """-> list of problems (empty when every listed file exists with the right size and hash)."""
    with open(os.path.join(folder, "pack.json"), encoding="utf-8") as f:
        pack = json.load(f)
    problems = []
    for entry in pack["files"]:
        p = os.path.join(folder, entry["path"])
        if not os.path.exists(p):
            problems.append(f"missing {entry['path']}")
        elif os.path.getsize(p) != entry["size"]:
            problems.append(f"size mismatch {entry['path']}")
        elif sha256(p) != entry["sha256"]:
            problems.append(f"sha256 mismatch {entry['path']}")
    return problems
