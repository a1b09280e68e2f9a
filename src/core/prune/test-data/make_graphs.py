"""Tiny ONNX graphs that exercise the channel rules no exporter fixture reaches (legacy opsets,
Resize sizes, Expand/Tile, Pad, Squeeze/Unsqueeze, keepdims=0 reductions, equal Split, Upsample).
Run with /usr/bin/python3 (onnx 1.12): writes *.onnx next to this file."""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)


def w(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.5, name)


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def f32(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def conv(name, x, cin, cout, k=3, pad=1):
    return (helper.make_node('Conv', [x, f'{name}.w', f'{name}.b'], [name], name=name, pads=[pad] * 4, kernel_shape=[k, k]),
            [w(f'{name}.w', cout, cin, k, k), w(f'{name}.b', cout)])


def save(name, nodes, inits, out_shape, opset, in_shape=(1, 3, 8, 8)):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['batch', *in_shape[1:]])],
                              [helper.make_tensor_value_info('output', TensorProto.FLOAT, out_shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='make_graphs.py')
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, f'{name}.onnx'))


def build():
    # Equal Split (no sizes) at opset 13, then Concat back and a Resize with constant sizes [N, C, H, W].
    n1, i1 = conv('c1', 'input', 3, 8)
    na, ia = conv('ca', 'sa', 4, 4)
    nb, ib = conv('cb', 'sb', 4, 4)
    n2, i2 = conv('c2', 'rs', 8, 4)
    n2.output[0] = 'output'
    save('split-equal-resize', [n1, helper.make_node('Split', ['c1'], ['sa', 'sb'], axis=1), na, nb,
                                helper.make_node('Concat', ['ca', 'cb'], ['cat'], axis=1),
                                helper.make_node('Resize', ['cat', '', '', 'sizes'], ['rs'], mode='nearest'), n2],
         [*i1, *ia, *ib, *i2, i64('sizes', [1, 8, 16, 16])], ['batch', 4, 16, 16], 13)

    # Legacy opset 9: Slice with attributes, Upsample with scales input, Pad with attribute pads.
    n1, i1 = conv('c1', 'input', 3, 8)
    n2, i2 = conv('c2', 'pd', 6, 4)
    n2.output[0] = 'output'
    save('legacy-opset9', [n1, helper.make_node('Slice', ['c1'], ['sl'], starts=[1], ends=[7], axes=[1]),
                           helper.make_node('Upsample', ['sl', 'scales'], ['up'], mode='nearest'),
                           helper.make_node('Pad', ['up'], ['pd'], pads=[0, 0, 1, 1, 0, 0, 1, 1]), n2],
         [*i1, *i2, f32('scales', [1, 1, 2, 2])], ['batch', 4, 18, 18], 9)

    # Squeeze/Unsqueeze around a per-channel Expand and Tile, then ReduceMean(keepdims=0) → MatMul head.
    n1, i1 = conv('c1', 'input', 3, 8)
    save('expand-tile-reduce', [n1,
                                helper.make_node('ReduceMean', ['c1'], ['gap'], axes=[2, 3], keepdims=0),
                                helper.make_node('Unsqueeze', ['gap', 'ax23'], ['u4']),
                                helper.make_node('Expand', ['u4', 'eshape'], ['ex']),
                                helper.make_node('Tile', ['ex', 'reps'], ['tl']),
                                helper.make_node('Mul', ['tl', 'c1'], ['gated']),
                                helper.make_node('ReduceMax', ['gated'], ['gm'], axes=[2, 3], keepdims=1),
                                helper.make_node('Squeeze', ['gm', 'ax23'], ['sq']),
                                helper.make_node('MatMul', ['sq', 'head.w'], ['mm']),
                                helper.make_node('Add', ['mm', 'head.b'], ['output'])],
         [*i1, i64('ax23', [2, 3]), i64('eshape', [1, 8, 4, 8]), i64('reps', [1, 1, 2, 1]), w('head.w', 8, 5), w('head.b', 5)],
         ['batch', 5], 13)

    # Gemm with transB=0 after Flatten, Dropout, and a per-channel Sub/Div normalisation.
    n1, i1 = conv('c1', 'input', 3, 6)
    save('flatten-gemm-transb0', [n1, helper.make_node('Sub', ['c1', 'mean'], ['s']), helper.make_node('Div', ['s', 'std'], ['d']),
                                  helper.make_node('MaxPool', ['d'], ['mp'], kernel_shape=[2, 2], strides=[2, 2]),
                                  helper.make_node('Flatten', ['mp'], ['fl'], axis=1),
                                  helper.make_node('Dropout', ['fl'], ['dr']),
                                  helper.make_node('Gemm', ['dr', 'fc.w', 'fc.b'], ['output'])],
         [*i1, w('mean', 1, 6, 1, 1), numpy_helper.from_array(np.abs(rng.standard_normal((6, 1, 1))).astype(np.float32) + 0.5, 'std'),
          w('fc.w', 6 * 16, 7), w('fc.b', 7)], ['batch', 7], 13)

    # An If whose branches read the conv output from the outer scope: the conv must stay whole.
    n1, i1 = conv('c1', 'input', 3, 8)
    n2, i2 = conv('c2', 'branch', 8, 4)
    n2.output[0] = 'output'
    out_vi = [helper.make_tensor_value_info('b', TensorProto.FLOAT, None)]
    then_g = helper.make_graph([helper.make_node('Relu', ['c1'], ['b'])], 'then', [], out_vi)
    else_g = helper.make_graph([helper.make_node('Identity', ['c1'], ['b'])], 'else', [], out_vi)
    cond = numpy_helper.from_array(np.array(True), 'cond')
    save('if-subgraph', [n1, helper.make_node('If', ['cond'], ['branch'], then_branch=then_g, else_branch=else_g), n2],
         [*i1, *i2, cond], ['batch', 4, 8, 8], 13)


if __name__ == '__main__':
    build()
