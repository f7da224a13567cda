"""compare_packs.py --streaming: values compared wherever each pack stores them, and a changed byte is found."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_packs import streaming_report  # noqa: E402
from conftest import save_graph  # noqa: E402


def _graph(path, external):
    w = numpy_helper.from_array(np.arange(4096, dtype=np.float32).reshape(64, 64), "w")
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 64])],
                          [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 64])], [w])
    save_graph(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path, external)


def test_inline_and_external_weights_compare_equal_and_a_changed_byte_is_found(tmp_path):
    a, b = str(tmp_path / "a" / "g.onnx"), str(tmp_path / "b" / "g.onnx")
    _graph(a, external=False)
    _graph(b, external=True)
    rep = streaming_report(a, b)
    assert rep == {"nodes_equal": True, "initializers_equal": True, "io_equal": True, "initializers": 1, "differ": [],
                   "aliases_a": [], "aliases_b": []}
    with open(b + ".data", "r+b") as f:
        f.seek(4000)
        x = f.read(1)
        f.seek(4000)
        f.write(bytes([x[0] ^ 1]))
    assert streaming_report(a, b)["differ"] == ["w"]
