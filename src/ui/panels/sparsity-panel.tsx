// Sparsity tab: the pattern (unstructured, 2:4, 4:8) and sparsity, the heatmap of zero weights per
// layer and output channel that the setting gives (core/compress/sparsify via the worker, by
// magnitude), and whether Validate and Export sparsify the model (after pruning and low rank).
import { useEffect } from 'react';
import { scheduleSparsityMap } from '../actions/compress';
import { cancelJob } from '../actions/jobs';
import { SparsityHeatmap } from '../charts/sparsity-heatmap';
import { useStudio } from '../store/store';
import { percent } from './panel-format';
import './panels.css';
import './compress.css';

const PATTERNS = [
  { id: '2:4', label: '2:4 (NVIDIA sparse tensor cores)' },
  { id: '4:8', label: '4:8' },
  { id: 'unstructured', label: 'unstructured' },
];

/** The Sparsity tab. */
export function SparsityPanel() {
  const summary = useStudio((s) => s.summary);
  const settings = useStudio((s) => s.sparsity);
  const map = useStudio((s) => s.sparsityMap);
  const progress = useStudio((s) => s.sparsityProgress);
  const error = useStudio((s) => s.sparsityError);
  const selectedId = useStudio((s) => s.selectedId);
  const { pattern, sparsity, scope, enabled } = settings;
  const structured = pattern !== 'unstructured';
  const [n, m] = pattern.split(':').map(Number);
  const share = structured ? 1 - n! / m! : sparsity;

  // The map follows the settings (debounced: the slider sends many changes) and the open model.
  useEffect(() => {
    if (summary) scheduleSparsityMap();
  }, [summary, pattern, sparsity, scope]);

  const set = useStudio.getState().setSparsity;
  return (
    <section className="prune-panel compress-panel" aria-label="Sparsity">
      <p className="hint" title="N:M keeps the N largest of every M consecutive input weights. Shapes do not change: the file zips smaller, but dense CPU/WASM kernels run no faster.">
        Zeroes single weights of Conv, Gemm and MatMul layers, smallest magnitude first.
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
      </div>
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
          <SparsityHeatmap map={map} selectedId={selectedId} onSelect={(id) => {
            useStudio.getState().select(id);
            useStudio.getState().requestCenter(id);
          }} />
        </>
      )}
    </section>
  );
}
