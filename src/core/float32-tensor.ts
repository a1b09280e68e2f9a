// The one plain tensor type of the project: what models take and return through a ModelRunner or an
// InferenceSession, what preprocessing stacks and what metrics read. Plain data, so it can be posted
// between workers and its buffer transferred.

/** A plain float32 tensor: row-major `data` with `dims.reduce(*)` elements. */
export interface Float32Tensor {
  dims: number[];
  data: Float32Array;
}
