// Rank tab: low-rank factorisation per layer (core/compress via the worker's spectra). For the
// selected layer (the graph's selection when it is factorisable, or the picker): its singular-value
// spectrum and the energy kept, a rank slider over the ranks that lower MACs (as core allows), and the
// layer's MACs and weights before → after; a global energy or MACs target sets every layer at once.
// Validate and Export factorise the layers given a rank here (after pruning and recovery). On the
// calibration images: data-aware (the SVD whitened by each layer's input covariance: spectra, ranks
// and factors) and the second factors refit by least squares, as `lowrank --images --recover lsq`.
import { useEffect } from 'react';
import { applyRankTarget, effectiveCompressOptions, hasCalibration, loadSpectra } from '../actions/compress';
import { cancelJob } from '../actions/jobs';
import { SpectrumChart } from '../charts/spectrum-chart';
import { MiddleEllipsis } from '../shell/MiddleEllipsis';
import { useStudio } from '../store/store';
import type { RankTargetKind } from '../store/compress-slice';
import { rankReadout, rankTotals, shortLayerName } from './compress-format';
import { change, compact, percent } from './panel-format';
import { CommonReasons } from './common-reasons';
import './panels.css';
import './compress.css';

/** The Rank tab. */
export function RankPanel() {
  const summary = useStudio((s) => s.summary);
  const spectra = useStudio((s) => s.spectra);
  const progress = useStudio((s) => s.spectraProgress);
  const error = useStudio((s) => s.spectraError);
  const layerId = useStudio((s) => s.rankLayerId);
  const ranks = useStudio((s) => s.ranks);
  const selectedId = useStudio((s) => s.selectedId);
  const target = useStudio((s) => s.rankTarget);
  const targetError = useStudio((s) => s.rankTargetError);
  const rankData = useStudio((s) => s.rankData);
  const images = useStudio((s) => hasCalibration(s));
  const dataAware = useStudio((s) => effectiveCompressOptions(s).dataAware);
  // Whitened spectra depend on the calibration images: other images (Validate tab) recompute them.
  const calibrationImages = useStudio((s) => (dataAware ? s.validationImages : undefined));
  const calibrationPreprocess = useStudio((s) => (dataAware ? s.preprocess : undefined));

  useEffect(() => {
    if (summary) void loadSpectra();
  }, [summary, dataAware, calibrationImages, calibrationPreprocess]);
  // A factorisable layer selected in the graph becomes the one shown.
  useEffect(() => {
    if (selectedId && spectra?.layers.some((l) => l.id === selectedId)) useStudio.getState().selectRankLayer(selectedId);
  }, [selectedId, spectra]);

  const layer = spectra?.layers.find((l) => l.id === layerId) ?? spectra?.layers[0];
  const rank = layer ? ranks[layer.id] : undefined;
  const readout = layer ? rankReadout(layer, rank) : undefined;
  const totals = spectra ? rankTotals(spectra, ranks) : undefined;
  const setRank = (r: number | undefined) => layer && useStudio.getState().setRank(layer.id, r);

  return (
    <section className="prune-panel compress-panel" aria-label="Low rank">
      <p className="hint" title="Each Conv, Gemm or MatMul weight W becomes two thinner layers of rank r (W ≈ B·A, from its SVD); only ranks below the break-even rank save MACs.">
        A layer of rank r: two thinner layers from its SVD. Validate and Export apply the ranks set here.
      </p>
      <fieldset className="rank-data">
        <legend>Calibration images</legend>
        <label className="check" title="The SVD of W·L with L·Lᵀ the layer's input covariance on the images: it keeps what the layer's output needs, not what the weights hold. The spectra, the targets and the factors follow.">
          <input type="checkbox" aria-label="Data-aware (whiten by input covariance)" checked={images && rankData.dataAware} disabled={!images} onChange={(e) => useStudio.getState().setRankData({ dataAware: e.target.checked })} />
          {' '}Data-aware (whiten by input covariance)
        </label>
        <label className="check" title="With each first factor fixed, the second factor and bias are refit so that the factorised model's layer reproduces the original layer's output on the images.">
          <input type="checkbox" aria-label="Refit second factors (least squares)" checked={images && rankData.refit} disabled={!images} onChange={(e) => useStudio.getState().setRankData({ refit: e.target.checked })} />
          {' '}Refit second factors (least squares)
        </label>
        <p className="hint" data-testid="rank-data-note">
          {images
            ? 'Export plan records the chosen ranks only: `prune --plan` factorises by plain SVD, without the whitening or the refit.'
            : 'Both need calibration images: choose images in the Validate tab (bundled samples or your own).'}
        </p>
      </fieldset>
      {progress && (
        <div className="progress" role="status">
          <progress max={1} value={progress.fraction} aria-label="Spectra progress" />
          <span>{progress.message}</span>
          <button type="button" onClick={() => cancelJob('spectra')}>Cancel</button>
        </div>
      )}
      {error && (
        <p className="error" role="alert">{error} <button type="button" onClick={() => void loadSpectra()}>Retry</button></p>
      )}
      {spectra && spectra.layers.length === 0 && (
        <div className="hint" role="status" data-testid="nothing-factorisable">
          <p>No layer of this model can be factorised{spectra.skipped.length ? ':' : ' (only Conv, Gemm and MatMul layers with a constant weight can be).'}</p>
          <CommonReasons reasons={spectra.skipped.map((s) => s.reason)} noun="layers" />
        </div>
      )}
      {spectra && layer && readout && (
        <>
          <label className="field">
            <span>Layer</span>
            <select aria-label="Layer to factorise" value={layer.id} title={layer.id} onChange={(e) => useStudio.getState().selectRankLayer(e.target.value)}>
              {spectra.layers.map((l) => (
                <option key={l.id} value={l.id}>{shortLayerName(l.id)} ({l.op} {l.out}×{l.in}{ranks[l.id] ? `, rank ${ranks[l.id]}` : ''})</option>
              ))}
            </select>
          </label>
          {spectra.dataAware && <p className="hint" data-testid="spectra-whitened">Singular values of W·L (whitened by the input covariance){spectra.notWhitened?.some((n) => n.node === layer.id) ? ' — this layer is not whitened (too wide): plain σ' : ''}.</p>}
          <SpectrumChart sigma={layer.sigma} rank={rank} breakEven={layer.breakEven} onPick={(r) => setRank(r)} />
          <div className="row rank-slider">
            <label htmlFor="rank-slider">Rank</label>
            <input id="rank-slider" type="range" aria-label="Rank of the layer" min={1} max={layer.breakEven} step={1}
              value={rank ?? layer.breakEven}
              aria-valuetext={rank === undefined ? `dense (full rank ${readout.fullRank})` : `rank ${rank}, ${percent(readout.energy)} of the energy`}
              onChange={(e) => setRank(Number(e.target.value))} />
            <strong className="rank-value" data-testid="rank-value">{rank === undefined ? 'dense' : `${rank} / ${readout.fullRank}`}</strong>
            <button type="button" disabled={rank === undefined} onClick={() => setRank(undefined)}>Keep dense</button>
          </div>
          <table className="rank-readout" data-testid="rank-readout">
            <tbody>
              <tr><td>Rank</td><td>{rank === undefined ? `dense (${readout.fullRank})` : `${rank} of ${readout.fullRank}`}, break-even {layer.breakEven}</td></tr>
              <tr data-testid="energy-row"><td>Energy kept</td><td>{percent(readout.energy)}</td></tr>
              <tr data-testid="layer-macs-row"><td>MACs</td><td>{compact(readout.macs.before)} → {compact(readout.macs.after)} <strong>{change(readout.macs.before, readout.macs.after)}</strong></td></tr>
              <tr data-testid="layer-params-row"><td>Weights</td><td>{compact(readout.params.before)} → {compact(readout.params.after)} <strong>{change(readout.params.before, readout.params.after)}</strong></td></tr>
            </tbody>
          </table>
          <fieldset className="rank-target">
            <legend>All layers</legend>
            <div className="row">
              <select aria-label="Rank target" value={target.kind} onChange={(e) => useStudio.getState().setRankTarget({ kind: e.target.value as RankTargetKind, value: e.target.value === 'energy' ? 0.9 : 0.7 })}>
                <option value="energy">keep energy per layer</option>
                <option value="keep-macs">keep MACs of the model</option>
              </select>
              <input type="number" aria-label="Rank target percent" min={1} max={99} step={1} value={Math.round(target.value * 100)}
                onChange={(e) => useStudio.getState().setRankTarget({ value: Math.min(0.99, Math.max(0.01, Number(e.target.value) / 100)) })} />
              <span>%</span>
              <button type="button" className="primary" onClick={() => void applyRankTarget()}>Apply to all layers</button>
              <button type="button" disabled={!Object.keys(ranks).length} onClick={() => useStudio.getState().setRanks({})}>All dense</button>
            </div>
            {targetError && <p className="error" role="alert">{targetError}</p>}
          </fieldset>
          {totals && (
            <p data-testid="rank-totals">
              Model: {compact(totals.macsBefore)} → {compact(totals.macsAfter)} MACs ({change(totals.macsBefore, totals.macsAfter)}),
              {' '}{totals.layers} layer{totals.layers === 1 ? '' : 's'} factorised, {compact(totals.paramsSaved)} fewer weights.
            </p>
          )}
          <table className="rank-layers" data-testid="rank-layers">
            <thead><tr><th>layer</th><th>rank</th><th title="energy kept">kept</th><th>MACs</th></tr></thead>
            <tbody>
              {spectra.layers.map((l) => {
                const r = rankReadout(l, ranks[l.id]);
                return (
                  <tr key={l.id} aria-current={l.id === layer.id ? 'true' : undefined}>
                    <td><button type="button" className="name" title={l.id} onClick={() => useStudio.getState().selectRankLayer(l.id)}><MiddleEllipsis text={shortLayerName(l.id)} /></button></td>
                    <td>{ranks[l.id] ? `${ranks[l.id]}/${r.fullRank}` : 'dense'}</td>
                    <td>{percent(r.energy, 0)}</td>
                    <td>{change(r.macs.before, r.macs.after) || '±0 %'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {spectra.skipped.length > 0 && (
            <details>
              <summary>{spectra.skipped.length} layer{spectra.skipped.length === 1 ? '' : 's'} not factorisable</summary>
              <ul className="hint">{spectra.skipped.map((s) => <li key={s.node}>{s.node}: {s.reason}</li>)}</ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}
