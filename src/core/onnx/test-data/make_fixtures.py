"""Regenerates the tensor-payload and external-data fixtures with the reference ONNX Python package.

Run from the repository root:  /usr/bin/python3 src/core/onnx/test-data/make_fixtures.py
Writes (all tiny, committed):
  tensors.onnx            every numeric data type as raw_data AND as typed fields, plus Constant
                          nodes using value / value_float(s) / value_int(s)
  tensors.expected.json   the values numpy reads back (int64 as decimal strings: exact)
  external.onnx + external.onnx.data   a small conv net saved with save_as_external_data=True
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))

# Values chosen to hit the edges: negatives, fractions, and int64 beyond 2^53 (not a float64).
VALUES = {
    TensorProto.FLOAT: [1.5, -2.25, 3.0e-8, 65504.0, -0.0, 7.0],
    TensorProto.DOUBLE: [1.0 / 3.0, -2.5, 1e300, 0.0, 5.0, -6.125],
    TensorProto.INT32: [0, -1, 2147483647, -2147483648, 42, 7],
    TensorProto.INT64: [2**53 + 1, -(2**63), 2**63 - 1, -1, 0, 9007199254740993],
    TensorProto.FLOAT16: [1.0, -2.0, 0.5, 65504.0, 6.1035156e-05, -0.0],
    TensorProto.BFLOAT16: [1.0, -2.0, 0.5, 3.140625, 1.0e30, -0.0],
    TensorProto.INT8: [-128, 127, 0, -1, 5, 6],
    TensorProto.UINT8: [0, 255, 128, 1, 2, 3],
    TensorProto.INT16: [-32768, 32767, 0, -1, 5, 6],
    TensorProto.UINT16: [0, 65535, 1, 2, 3, 4],
    TensorProto.BOOL: [True, False, True, True, False, False],
}
DIMS = [2, 3]


def raw_tensor(name, dtype, vals):
    if dtype == TensorProto.BFLOAT16:
        bits = np.array(vals, dtype=np.float32).view(np.uint32) >> 16
        t = helper.make_tensor(name, dtype, DIMS, bits.astype('<u2').tobytes(), raw=True)
        return t
    np_dtype = helper.mapping.TENSOR_TYPE_TO_NP_TYPE[dtype]
    t = numpy_helper.from_array(np.array(vals, dtype=np_dtype).reshape(DIMS), name)
    return t


def expected(t):
    arr = numpy_helper.to_array(t).flatten()
    if t.data_type in (TensorProto.INT64,):
        return [str(int(v)) for v in arr]
    return [float(v) if not isinstance(v, (bool, np.bool_)) else float(bool(v)) for v in arr]


def tensors_fixture():
    inits, exp = [], {}
    for dtype, vals in VALUES.items():
        tname = TensorProto.DataType.Name(dtype).lower()
        for kind, t in (("raw", raw_tensor(f"{tname}_raw", dtype, vals)),
                        ("typed", helper.make_tensor(f"{tname}_typed", dtype, DIMS, vals, raw=False))):
            assert (kind == "raw") == t.HasField("raw_data"), t.name
            inits.append(t)
            exp[t.name] = {"dataType": dtype, "dims": DIMS, "values": expected(t)}
    consts = [
        helper.make_node("Constant", [], ["c_value"], value=helper.make_tensor("v", TensorProto.FLOAT, [2], [0.25, -4.0])),
        helper.make_node("Constant", [], ["c_value_float"], value_float=2.5),
        helper.make_node("Constant", [], ["c_value_floats"], value_floats=[1.0, -1.5, 3.25]),
        helper.make_node("Constant", [], ["c_value_int"], value_int=2**62 + 3),
        helper.make_node("Constant", [], ["c_value_ints"], value_ints=[1, -2, 2**53 + 1]),
    ]
    exp["c_value"] = {"dataType": TensorProto.FLOAT, "dims": [2], "values": [0.25, -4.0]}
    exp["c_value_float"] = {"dataType": TensorProto.FLOAT, "dims": [], "values": [2.5]}
    exp["c_value_floats"] = {"dataType": TensorProto.FLOAT, "dims": [3], "values": [1.0, -1.5, 3.25]}
    exp["c_value_int"] = {"dataType": TensorProto.INT64, "dims": [], "values": [str(2**62 + 3)]}
    exp["c_value_ints"] = {"dataType": TensorProto.INT64, "dims": [3], "values": ["1", "-2", str(2**53 + 1)]}
    outputs = [helper.make_tensor_value_info(n.output[0], TensorProto.UNDEFINED, None) for n in consts]
    graph = helper.make_graph(consts, "tensor_payloads", [], outputs, initializer=inits)
    model = helper.make_model(graph, producer_name="make_fixtures.py", opset_imports=[helper.make_opsetid("", 13)])
    onnx.save_model(model, os.path.join(HERE, "tensors.onnx"))
    with open(os.path.join(HERE, "tensors.expected.json"), "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")


def external_fixture():
    rng = np.random.default_rng(7)
    w = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "conv.weight")
    b = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "conv.bias")
    scale = numpy_helper.from_array(np.array([0.5], dtype=np.float32), "scale")  # small: stays inline
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["conv", "scale"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "external_conv",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4, 8, 8])],
        initializer=[w, b, scale],
    )
    model = helper.make_model(graph, producer_name="make_fixtures.py", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    for name in ("external.onnx", "external.onnx.data"):
        path = os.path.join(HERE, name)
        if os.path.exists(path):
            os.remove(path)
    onnx.save_model(model, os.path.join(HERE, "external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external.onnx.data", size_threshold=16)
    # The same model with inline weights: what resolving the external data must reproduce.
    inline = onnx.load(os.path.join(HERE, "external.onnx"))  # loads the data file back in
    onnx.save_model(inline, os.path.join(HERE, "external-inline.onnx"))


if __name__ == "__main__":
    tensors_fixture()
    external_fixture()
    print("wrote fixtures to", HERE)
