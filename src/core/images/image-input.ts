// The graph input images feed. Models whose weights are graph inputs without initializers, or that
// take a second input (a mask, a size), cannot be run from images alone: say so once, here, with
// the inputs listed, instead of letting onnxruntime report a missing feed mid-job.
import type { GraphProto, ValueInfoProto } from '../onnx/proto.js';

/** The only input of `graph` that no initializer supplies; throws when there is none or several. */
export function imageInput(graph: GraphProto, source = 'the model'): ValueInfoProto {
  const weights = new Set(graph.initializer.map((t) => t.name));
  const data = graph.input.filter((i) => !weights.has(i.name));
  if (!data.length) throw new Error(`${source} has no input to feed images to`);
  if (data.length > 1) {
    throw new Error(
      `${source} takes ${data.length} inputs (${data.map((i) => `"${i.name}"`).join(', ')}), and images feed only one: ` +
        'criteria that read images, recovery and validation need a model whose only input is the image ' +
        '(weights given as graph inputs must be stored as initializers; weight criteria such as l1 prune it without running it)',
    );
  }
  return data[0]!;
}
