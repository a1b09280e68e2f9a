// Export tab: download the pruned ONNX (its name carries the ratio, and ".fp16" when converted) and
// the plan JSON, with an optional recovery step on the calibration images applied before encoding
// (the same choice as Validate) and an optional fp16 conversion after it.
import { useEffect } from 'react';
import { headlinePercent, prunedFileName, runExport } from '../actions/export';
import { errorText } from '../actions/errors';
import { cancelJob } from '../actions/jobs';
import { downloadPlanJson } from '../actions/plan';
import { compressSuffix, describeCompress } from './compress-format';
import { currentCompress, effectiveCompressOptions } from '../actions/compress';
import { useStudio } from '../store/store';
import { change, compact } from './panel-format';
import { RecoveryChoice } from './recovery-choice';
import { startPruningSync } from './sync';
import { TrainingPanel } from './training-panel';
import './panels.css';

/** The Export tab. */
export function ExportPanel() {
  useEffect(startPruningSync, []);
  const fileName = useStudio((s) => s.summary?.fileName ?? 'model.onnx');
  const cost = useStudio((s) => s.cost);
  const costPending = useStudio((s) => s.costPending);
  const ratios = useStudio((s) => s.ratios);
  const groups = useStudio((s) => s.groups);
  const progress = useStudio((s) => s.exportProgress);
  const message = useStudio((s) => s.exportMessage);
  const fp16 = useStudio((s) => s.exportFp16);
  void ratios; // re-render when the plan changes: the file name carries the ratio
  // And the Rank/Sparsity tabs' choices, with Taylor and the refits as they apply (off without images).
  const compressed = useStudio((s) => describeCompress(s.ranks, s.sparsity, effectiveCompressOptions(s)));
  const percent = groups ? headlinePercent() : 0;
  const outName = prunedFileName(fileName, percent, fp16);

  return (
    <section className="prune-panel" aria-label="Export">
      {cost && (
        <p data-testid="export-summary">
          {compact(cost.before.params)} → {compact(cost.after.params)} parameters ({change(cost.before.params, cost.after.params)}),
          {' '}{compact(cost.before.macs)} → {compact(cost.after.macs)} MACs ({change(cost.before.macs, cost.after.macs)}).
        </p>
      )}
      {compressed && <p className="hint" data-testid="export-compress">Also applied after pruning: {compressed} (Rank and Sparsity tabs).</p>}
      <RecoveryChoice disabled={!!progress} />
      <TrainingPanel />
      <label className="row" title="Validation measures the fp32 model; the fp16 one differs from it by fp16 rounding (under 1% of the output scale on the test models)">
        <input type="checkbox" checked={fp16} disabled={!!progress} onChange={(e) => useStudio.getState().setExportFp16(e.target.checked)} />
        {' '}fp16 weights (about half the size; inputs and outputs stay fp32, Resize and similar ops stay fp32)
      </label>
      <div className="row">
        <button type="button" onClick={() => void runExport()} disabled={!!progress || !groups}>Download {outName}</button>
        {progress && <button type="button" onClick={() => cancelJob('export')}>Cancel</button>}
        <button type="button" disabled={!cost || costPending} onClick={() => void downloadPlanJson(fileName.replace(/\.onnx$/i, '') + `.plan-${Math.round(percent)}${compressSuffix(currentCompress())}.json`).catch((err: unknown) => useStudio.getState().setExport({ message: { text: errorText(err), error: true } }))}>
          Download plan JSON
        </button>
      </div>
      {progress && (
        <div className="progress" role="status">
          <progress max={1} value={progress.fraction} aria-label="Export progress" />
          <span>{progress.message}</span>
        </div>
      )}
      {message && <p className={message.error ? 'error' : 'hint'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
    </section>
  );
}
