"""concept_tools.fake_quant: the simulated int8 arithmetic rounds as onnxruntime's DynamicQuantizeLinear and as the
int8 variant's weight quantizer do, and leaves the module as it found it."""
import numpy as np
import onnx
import pytest
import torch
from conftest import needs_ort, ort_run
from onnx import TensorProto, helper

from concept_tools.fake_quant import fake_quantized, input_absmax, quantize_channels, quantize_rows, quantize_tensor, smoothing
from concept_tools.sonar_templates import quantize_per_channel


@needs_ort
def test_tensor_rounding_is_onnxruntime_dynamic_quantize_linear(tmp_path):
    g = helper.make_graph(
        [helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "s", "zp"]),
         helper.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"])],
        "dql", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6, 40])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, 40])])
    path = str(tmp_path / "dql.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)
    rng = np.random.default_rng(3)
    for x in (rng.normal(0, 1, (6, 40)), rng.uniform(0.5, 3, (6, 40)), rng.standard_t(2, (6, 40)) * 4):
        x = x.astype(np.float32)
        got = ort_run(path, [{"x": x}])[0]["y"]
        ours = quantize_tensor(torch.from_numpy(x)).numpy()
        step = (max(x.max(), 0) - min(x.min(), 0)) / 255
        assert np.abs(got - ours).max() <= step * 1.001  # a value on a rounding boundary may fall either side
        assert (got == ours).mean() > 0.99
        assert np.abs(ours - x).max() <= step * 0.5001  # within half a step: it rounds, it does not truncate


def test_channel_rounding_is_the_variants_quantizer():
    w = torch.randn(24, 40) * torch.linspace(0.1, 3, 24)[:, None]
    w[5] = 0
    q, scale = quantize_per_channel(w.numpy())
    assert torch.equal(quantize_channels(w), torch.from_numpy(q.T.astype(np.float32) * scale[:, None]))


def test_row_rounding_keeps_each_rows_own_range():
    x = torch.tensor([[0.001, -0.002, 0.003], [100.0, -50.0, 25.0], [0.0, 0.0, 0.0]])
    rows = quantize_rows(x)
    assert torch.allclose(rows[0], x[0], atol=0.006 / 255)
    assert torch.equal(rows[2], x[2])
    assert torch.equal(quantize_tensor(x)[0], torch.zeros(3))  # one range for all: the small row vanishes


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embed = torch.nn.Embedding(50, 16)
        self.a = torch.nn.Linear(16, 32)
        self.b = torch.nn.Linear(32, 8)

    def forward(self, ids):
        return self.b(torch.relu(self.a(self.embed(ids))))


def test_fake_quantized_rounds_what_it_is_asked_and_restores_the_module():
    net = _Net()
    ids = torch.arange(12).reshape(3, 4)
    with torch.no_grad():
        ref = net(ids)
        with fake_quantized(net, activations=None, weights=None, embedding=False):
            assert torch.equal(net(ids), ref)
        with fake_quantized(net):
            full = net(ids)
        with fake_quantized(net, only=("b",), embedding=False):
            only_b = net(ids)
        with fake_quantized(net, linears=False):
            table_only = net(ids)
        assert torch.equal(table_only, net.b(torch.relu(net.a(torch.nn.functional.embedding(ids, quantize_channels(net.embed.weight))))))
        assert torch.equal(net(ids), ref)
        assert net.embed.weight.dtype == torch.float32 and "forward" not in vars(net.a)
        assert not torch.equal(full, ref) and not torch.equal(only_b, ref)
        assert (only_b - ref).abs().max() < (full - ref).abs().max()
        h = torch.relu(net.a(net.embed(ids)))
        manual = torch.nn.functional.linear(quantize_tensor(h), quantize_channels(net.b.weight), net.b.bias)
        assert torch.equal(only_b, manual)


def test_smoothing_is_exact_in_float_and_calibrates_on_the_inputs():
    net = _Net()
    ids = torch.arange(12).reshape(3, 4)
    with torch.no_grad():
        ref = net(ids)
        stats = input_absmax(net, lambda: net(ids))
        assert set(stats) == {"a", "b"} and stats["a"].shape == (16,)
        assert torch.equal(stats["a"], net.embed(ids).abs().reshape(-1, 16).amax(0))
        s = smoothing(net, stats)
        with fake_quantized(net, activations=None, weights=None, embedding=False, smooth=s):
            assert torch.allclose(net(ids), ref, atol=1e-5)
    with pytest.raises(KeyError):
        fake_quantized(net, activations="block").__enter__()
