"""vision.onnx_fold: the folded graph computes the same as the exported one, with fewer nodes."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from garita.vision.onnx_fold import fold_graph


def _const(name: str, value: np.ndarray) -> onnx.NodeProto:
    """A Constant node, the way the PaddleOCR export writes its scalars."""
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value.astype(np.float32), name))


def exported_block(shared_affine_output: bool = False) -> onnx.ModelProto:
    """Conv -> Mul -> Add (affine) -> Add 3, Clip 0..6, Mul, Div 6 (HardSwish) -> 1x1 Conv, at opset 12."""
    rng = np.random.default_rng(7)
    nodes = [
        _const("s", np.array([0.7])),
        _const("b", np.array([-0.2])),
        _const("three", np.array(3.0)),
        _const("zero", np.array(0.0)),
        _const("six", np.array(6.0)),
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["s", "c1"], ["m1"]),
        helper.make_node("Add", ["m1", "b"], ["a1"]),
        helper.make_node("Add", ["a1", "three"], ["a2"]),
        helper.make_node("Clip", ["a2", "zero", "six"], ["k"]),
        helper.make_node("Mul", ["a1", "k"], ["m2"]),
        helper.make_node("Div", ["m2", "six"], ["hs"]),
        helper.make_node("Conv", ["hs", "w2"], ["y"]),
    ]
    inits = [
        numpy_helper.from_array(rng.normal(size=(4, 2, 3, 3)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.normal(size=4).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.normal(size=(3, 4, 1, 1)).astype(np.float32), "w2"),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    if shared_affine_output:  # the affine result is also a graph output: folding would change what it reports
        outputs.append(helper.make_tensor_value_info("m1", TensorProto.FLOAT, None))
    graph = helper.make_graph(
        nodes, "block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])], outputs, inits
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])


def run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["y"], {"x": x})[0]


def test_folded_block_computes_the_same_with_one_conv_per_affine_and_one_hardswish() -> None:
    model = exported_block()
    folded, counts = fold_graph(model)
    assert counts == {"affine_folded": 1, "hardswish_fused": 1}
    ops = [n.op_type for n in folded.graph.node if n.op_type != "Constant"]
    assert ops == ["Conv", "HardSwish", "Conv"]
    assert {i.name for i in folded.graph.initializer}.isdisjoint({"w1", "b1"})  # the unfolded weights are gone
    x = np.random.default_rng(1).normal(scale=3.0, size=(1, 2, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(run(folded, x), run(model, x), rtol=1e-5, atol=1e-5)
    onnx.checker.check_model(folded)


def test_a_tensor_read_elsewhere_is_left_alone() -> None:
    folded, counts = fold_graph(exported_block(shared_affine_output=True))
    assert counts["affine_folded"] == 0
    assert "Mul" in [n.op_type for n in folded.graph.node]
