// The "Model" side panel: file facts, totals, inputs/outputs, and the model card when there is one.
import { formatBytes, formatCount, formatShape } from '../format';
import { useStudio } from '../store/store';
import { ModelCardView } from './ModelCardView';
import { OutputTasksView } from './OutputTasksView';
import { InputSizeForm } from './InputSizeForm';

/** Summary of the loaded model. */
export function ModelPanel() {
  const summary = useStudio((s) => s.summary);
  const card = useStudio((s) => s.card);
  if (!summary) return <p className="muted">No model loaded.</p>;
  return (
    <div>
      <dl className="props" data-testid="model-summary">
        <dt>File</dt><dd>{summary.fileName} ({formatBytes(summary.fileBytes)})</dd>
        <dt>Producer</dt><dd>{summary.producer || '—'}</dd>
        <dt>IR version</dt><dd>{summary.irVersion}</dd>
        <dt>Opsets</dt><dd>{summary.opsets}</dd>
        <dt>Nodes</dt><dd data-testid="node-count">{summary.nodes.length}</dd>
        <dt>Parameters</dt><dd>{formatCount(summary.totals.params)}</dd>
        <dt>MACs / sample</dt><dd>{summary.totals.macsLowerBound ? '≥ ' : ''}{formatCount(summary.totals.macs)}</dd>
        <dt>Inputs</dt><dd>{summary.inputs.map((i) => `${i.name} ${formatShape(i.shape)}`).join(', ')}</dd>
        <dt>Outputs</dt><dd>{summary.outputs.map((o) => `${o.name} ${formatShape(o.shape)}`).join(', ')}</dd>
        {summary.externalDataFiles.length > 0 && (<><dt>External data</dt><dd>{summary.externalDataFiles.join(', ')}</dd></>)}
      </dl>
      {summary.unknownShapes.length > 0 && (
        <p className="muted">Shapes unknown after {summary.unknownShapes.length} node(s), e.g. {summary.unknownShapes[0]!.opType}: {summary.unknownShapes[0]!.reason}</p>
      )}
      <InputSizeForm />
      <OutputTasksView />
      {card && <ModelCardView card={card} />}
    </div>
  );
}
