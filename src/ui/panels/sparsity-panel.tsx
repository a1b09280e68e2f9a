// Sparsity tab: the pattern (unstructured, 2:4, 4:8) and sparsity, the heatmap of zero weights per
// layer and output channel that the setting gives (core/compress/sparsify via the worker, by
// magnitude or by Taylor importance on the calibration images, optionally refit by least squares),
// and whether Validate and Export sparsify the model (after pruning and low rank).
import { useEffect } from 'react';
import { hasCalibration, scheduleSparsityMap } from '../actions/compress';
import { cancelJob } from '../actions/jobs';
import { SparsityHeatmap } from '../charts/sparsity-heatmap';
import { useStudio } from '../store/store';
import type { SparsityMap } from '../../workers/protocol';
import { percent } from './panel-format';
import './panels.css';
import './compress.css';

const PATTERNS = [
  { id: '2:4', label: '2:4 (NVIDIA sparse tensor cores)' },
  { id: '4:8', label: '4:8' },
  { id: 'unstructured', label: 'unstructured' },
];

/** What the refit did: the layers' output error² (relative) before → after, and the layers it left. */
function RefitSummary({ refits, notRefit }: { refits: NonNullable<SparsityMap['refits']>; notRefit: NonNullable<SparsityMap['notRefit']> }) {
  const applied = refits.filter((r) => r.applied);
  const mean = (f: (r: (typeof refits)[number]) => number) => applied.reduce((a, r) => a + f(r), 0) / Math.max(applied.length, 1);
  return (
    <details data-testid="sparsity-refit">
      <summary>
        Refit {applied.length} of {refits.length + notRefit.length} layers{applied.length ? `: output error ${percent(mean((r) => r.errorBefore), 1)} → ${percent(mean((r) => r.errorAfter), 1)} (mean)` : ''}
      </summary>
      <ul className="hint">
        {refits.map((r) => <li key={r.node}>{r.node}: {percent(r.errorBefore, 2)} → {percent(r.errorAfter, 2)}{r.applied ? '' : ' (kept: no better)'}</li>)}
        {notRefit.map((r) => <li key={r.node}>{r.node}: not refit — {r.reason}</li>)}
      </ul>
    </details>
  );
}

/** The Sparsity tab. */
export function SparsityPanel() {
  const summary = useStudio((s) => s.summary);
  const settings = useStudio((s) => s.sparsity);
  const map = useStudio((s) => s.sparsityMap);
  const progress = useStudio((s) => s.sparsityProgress);
  const error = useStudio((s) => s.sparsityError);
  const selectedId = useStudio((s) => s.selectedId);
  const { pattern, sparsity, scope, enabled, criterion, refit } = settings;
  const images = useStudio((s) => hasCalibration(s));
  const structured = pattern !== 'unstructured';
  const [n, m] = pattern.split(':').map(Number);
  const share = structured ? 1 - n! / m! : sparsity;

  // The map follows the settings (debounced: the slider sends many changes) and the open model.
  useEffect(() => {
    if (summary) scheduleSparsityMap();
  }, [summary, pattern, sparsity, scope, criterion, refit, images]);

  const set = useStudio.getState().setSparsity;
  return (
    <section className="prune-panel compress-panel" aria-label="Sparsity">
      <p className="hint" title="N:M keeps the N largest of every M consecutive input weights. Shapes do not change: the file zips smaller, but dense CPU/WASM kernels run no faster.">
        Zeroes single weights of Conv, Gemm and MatMul layers, least important first.
      </p>
      <div className="row">
        <label className="field">
          <span>Pattern</span>
          <select aria-label="Sparsity pattern" value={pattern} onChange={(e) => set({ pattern: e.target.value })}>
            {PATTERNS.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
          </select>
        </label>
        {!structured && (
          <label className="field">
            <span>Scope</span>
            <select aria-label="Sparsity scope" value={scope} onChange={(e) => set({ scope: e.target.value as typeof scope })}>
              <option value="global">one cut over all layers</option>
              <option value="layer">same share per layer</option>
            </select>
          </label>
        )}
        <label className="field" title="Taylor: Σ over batches of (w·∂loss/∂w)² on the calibration images, per output (as sparsify --criterion taylor). The plan records it; prune --plan --images replays it.">
          <span>Criterion</span>
          <select aria-label="Sparsity criterion" value={images ? criterion : 'magnitude'} disabled={!images} onChange={(e) => set({ criterion: e.target.value as typeof criterion })}>
            <option value="magnitude">magnitude |w|</option>
            <option value="taylor">Taylor (calibration images)</option>
          </select>
        </label>
      </div>
      <label className="check" title="SparseGPT-style: each layer's kept weights refit so that its output on the calibration images stays close to the dense layer's (as sparsify --recover lsq). Zeros stay zero.">
        <input type="checkbox" aria-label="Refit (least squares)" checked={images && refit} disabled={!images} onChange={(e) => set({ refit: e.target.checked })} />
        {' '}Refit (least squares) the kept weights on the calibration images
      </label>
      <p className="hint" data-testid="sparsity-data-note">
        {images
          ? 'Calibration: your chosen images, or the bundled calibration set when Validate uses the bundled samples (at most 256). Export plan records the criterion; the refit is not part of the plan.'
          : 'Taylor and the refit need calibration images: choose images in the Validate tab (bundled samples or your own). Until then, by magnitude with no refit.'}
      </p>
      <div className="row rank-slider">
        <label htmlFor="sparsity-slider">Sparsity</label>
        <input id="sparsity-slider" type="range" aria-label="Sparsity" min={0.05} max={0.95} step={0.05} disabled={structured}
          value={share}
          onChange={(e) => set({ sparsity: Number(e.target.value) })} />
        <strong className="rank-value" data-testid="sparsity-value">{structured ? `${pattern}: ${percent(share, 0)}` : percent(share, 0)}</strong>
      </div>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => set({ enabled: e.target.checked })} />
        {' '}Sparsify the validated and exported model
      </label>
      {progress && (
        <div className="progress" role="status">
          <progress max={1} value={progress.fraction} aria-label="Sparsity progress" />
          <span>{progress.message}</span>
          <button type="button" onClick={() => cancelJob('sparsity')}>Cancel</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {map && (
        <>
          <p data-testid="sparsity-summary">
            {percent(map.sparsity)} of the weights of {map.layers.length} layers are zero{map.dense.length ? `; ${map.dense.length} left dense` : ''}.
          </p>
          {map.refits && <RefitSummary refits={map.refits} notRefit={map.notRefit ?? []} />}
          <SparsityHeatmap map={map} selectedId={selectedId} onSelect={(id) => {
            useStudio.getState().select(id);
            useStudio.getState().requestCenter(id);
          }} />
        </>
      )}
    </section>
  );
}
