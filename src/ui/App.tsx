import { useState } from 'react';
import { decodeModel } from '../core/onnx/codec';
import { OnnxFormatError } from '../core/onnx/errors';

interface Summary {
  fileName: string;
  producer: string;
  irVersion: number;
  opsets: string;
  nodes: number;
  inputs: string[];
  outputs: string[];
}

async function summarise(file: File): Promise<Summary> {
  const model = decodeModel(new Uint8Array(await file.arrayBuffer()), file.name);
  const graph = model.graph!;
  return {
    fileName: file.name,
    producer: `${model.producerName} ${model.producerVersion}`.trim(),
    irVersion: Number(model.irVersion),
    opsets: model.opsetImport.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', '),
    nodes: graph.node.length,
    inputs: graph.input.map((i) => i.name),
    outputs: graph.output.map((o) => o.name),
  };
}

/** App shell: opens an .onnx file and shows its summary. */
export function App() {
  const [summary, setSummary] = useState<Summary>();
  const [error, setError] = useState<string>();
  const open = async (file: File | undefined) => {
    if (!file) return;
    setError(undefined);
    try {
      setSummary(await summarise(file));
    } catch (err) {
      setError(err instanceof OnnxFormatError ? err.message : String(err));
    }
  };
  return (
    <main>
      <h1>Prune Studio</h1>
      <label>
        Open an ONNX model <input type="file" accept=".onnx" aria-label="Open ONNX model" onChange={(e) => void open(e.target.files?.[0])} />
      </label>
      {error && <p role="alert">{error}</p>}
      {summary && (
        <dl data-testid="model-summary">
          <dt>File</dt><dd>{summary.fileName}</dd>
          <dt>Producer</dt><dd>{summary.producer}</dd>
          <dt>IR version</dt><dd>{summary.irVersion}</dd>
          <dt>Opsets</dt><dd>{summary.opsets}</dd>
          <dt>Nodes</dt><dd data-testid="node-count">{summary.nodes}</dd>
          <dt>Inputs</dt><dd>{summary.inputs.join(', ')}</dd>
          <dt>Outputs</dt><dd>{summary.outputs.join(', ')}</dd>
        </dl>
      )}
    </main>
  );
}
