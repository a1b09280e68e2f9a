// Trade-offs tab: sweep MACs targets (keep 90 … 30 %) for one or more criteria and allocations,
// validate every point in the worker as the Validate tab does (with the shared recovery), and plot
// accuracy (or agreement) and latency against MACs kept, the Pareto front marked. A click on a
// point loads its plan into the studio. Progress, time left and Cancel; the points done are kept.
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { GlobalMode } from '../../workers/protocol';
import { cancelJob } from '../actions/jobs';
import { loadSweepPoint, runSweep } from '../actions/sweep';
import { TradeoffsChart } from '../charts/tradeoffs-chart';
import { emptySweep, formatTimeLeft, metricOf, paretoFront, parseTargets, sweepCriteriaOf, sweepMetric, sweepSeries, type SweepResult } from '../charts/tradeoffs-data';
import { useStudio } from '../store/store';
import { headlineTask } from '../validation-measures';
import { percent } from './panel-format';
import { RecoveryChoice } from './recovery-choice';
import { startPruningSync } from './sync';
import './panels.css';
import './tradeoffs.css';

const ALLOCATIONS: { id: GlobalMode; label: string }[] = [
  { id: 'uniform', label: 'uniform (same ratio everywhere)' },
  { id: 'global', label: 'global ranking' },
  { id: 'sensitivity', label: 'sensitivity-guided' },
];

function TargetsInput({ disabled }: { disabled: boolean }) {
  const targets = useStudio((s) => s.sweepTargets);
  const [text, setText] = useState(targets.join(', '));
  const [error, setError] = useState<string>();
  const commit = (value: string): void => {
    const parsed = parseTargets(value);
    if ('error' in parsed) return setError(parsed.error);
    setError(undefined);
    useStudio.getState().setSweepSettings({ sweepTargets: parsed.targets });
  };
  return (
    <label className="sweep-targets">
      MACs to keep, % of the unpruned model{' '}
      <input type="text" inputMode="numeric" value={text} disabled={disabled} aria-label="MACs targets, percent kept" aria-invalid={!!error}
        onChange={(e) => { setText(e.target.value); commit(e.target.value); }} onBlur={() => !error && setText(useStudio.getState().sweepTargets.join(', '))} />
      {error && <span className="error" role="alert">{error}</span>}
    </label>
  );
}

function SeriesChoice({ disabled }: { disabled: boolean }) {
  const criteria = useStudio((s) => s.criteria);
  const current = useStudio((s) => s.criterion);
  const ticked = useStudio((s) => s.sweepCriteria);
  const allocations = useStudio((s) => s.sweepAllocations);
  const hasSensitivity = useStudio((s) => !!s.sensitivityResult);
  const set = useStudio.getState().setSweepSettings;
  const chosen = ticked.length ? ticked : [current];
  // Data criteria rank by weight L2 until scored on images: offer the current one only (the Heatmaps tab scores it).
  const offered = criteria.filter((c) => !c.needsImages || c.id === current);
  const toggle = <T,>(list: readonly T[], item: T): T[] => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  return (
    <fieldset className="row" disabled={disabled}>
      <legend>Series (one line each: criterion × allocation)</legend>
      <div className="sweep-choices" role="group" aria-label="Criteria">
        {offered.map((c) => (
          <label key={c.id}><input type="checkbox" checked={chosen.includes(c.id)}
            onChange={() => set({ sweepCriteria: toggle(chosen, c.id) })} /> {c.name}{c.id === current ? ' (current)' : ''}</label>
        ))}
      </div>
      <div className="sweep-choices" role="group" aria-label="Allocations">
        {ALLOCATIONS.map((a) => (
          <label key={a.id} title={a.id === 'sensitivity' && !hasSensitivity ? 'Run the Sensitivity tab first' : undefined}>
            <input type="checkbox" checked={allocations.includes(a.id)} disabled={a.id === 'sensitivity' && !hasSensitivity}
              onChange={() => set({ sweepAllocations: toggle(allocations, a.id) })} /> {a.label}
          </label>
        ))}
      </div>
      {!hasSensitivity && <p className="hint">Sensitivity-guided points need the Sensitivity tab’s curves (they rank channels by the criterion those were measured with).</p>}
    </fieldset>
  );
}

function SweepStatus({ sweep }: { sweep?: SweepResult }) {
  const progress = useStudio((s) => s.sweepProgress);
  if (progress) {
    return (
      <div className="sweep-progress" role="status" aria-live="polite">
        <progress max={1} value={progress.fraction} aria-label="Sweep progress" />
        <span className="sweep-step" data-testid="sweep-step">{progress.message}</span>
        <span className="hint" data-testid="sweep-time-left">{formatTimeLeft(progress.timeLeftMs)}</span>
      </div>
    );
  }
  if (!sweep) return null;
  if (sweep.state === 'failed') return <p className="error" role="alert">{sweep.error} {sweep.points.length ? `(${sweep.points.length} points done are kept.)` : ''}</p>;
  const seconds = sweep.points.reduce((t, p) => t + p.seconds, 0);
  const text = sweep.state === 'cancelled'
    ? `Cancelled: ${sweep.points.length} of ${sweep.total} points kept.`
    : `${sweep.points.length} points in ${seconds.toFixed(1)} s of worker time, on ${sweep.images} images (${sweep.backend ?? 'wasm'}).`;
  return <p className="hint" role="status" data-testid="sweep-summary">{text}</p>;
}

function PointsTable({ sweep }: { sweep: SweepResult }) {
  const selected = useStudio((s) => s.sweepSelected);
  const metric = sweepMetric(sweep.points);
  const front = new Set(paretoFront(sweep.points.map((p) => ({ x: p.macsKept, y: metricOf(p, metric) }))));
  const label = (id: string) => sweep.series.find((s) => s.id === id)?.label ?? id;
  return (
    <details className="sweep-table">
      <summary>The points as a table</summary>
      <table data-testid="sweep-points">
        <thead><tr><th>series</th><th>MACs kept</th><th>{sweep.measure?.name ?? metric}</th><th>ms / image</th><th>front</th><th /></tr></thead>
        <tbody>
          {sweep.points.map((p, i) => (
            <tr key={i} aria-current={selected === i}>
              <td>{label(p.series)}</td><td>{percent(p.macsKept)}</td><td>{percent(metricOf(p, metric))}</td>
              <td>{p.latencyMs.toFixed(2)}</td><td>{front.has(i) ? '★' : ''}</td>
              <td><button type="button" onClick={() => loadSweepPoint(i)} aria-label={`Load plan: ${label(p.series)}, ${percent(p.macsKept)} of MACs`}>Load</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** The sweep the settings ask for, with no point: the chart's frame until a sweep has points. */
function usePlannedSweep(): SweepResult {
  const ticked = useStudio((s) => s.sweepCriteria);
  const criterion = useStudio((s) => s.criterion);
  const criteria = useStudio((s) => s.criteria);
  const allocations = useStudio((s) => s.sweepAllocations);
  const targets = useStudio((s) => s.sweepTargets);
  const recovery = useStudio((s) => s.recovery);
  return useMemo(() => emptySweep(sweepSeries(sweepCriteriaOf(ticked, criterion, criteria), allocations), targets, recovery),
    [ticked, criterion, criteria, allocations, targets, recovery]);
}

/** The Trade-offs tab. */
export function TradeoffsPanel() {
  useEffect(startPruningSync, []);
  const current = useStudio((s) => s.sweep);
  // Store updates render synchronously; the chart and table follow in an interruptible pass, so a
  // point arriving (or the sweep ending) never holds the main thread for one long task.
  const sweep = useDeferredValue(current);
  const planned = usePlannedSweep();
  const running = useStudio((s) => !!s.sweepProgress);
  const groups = useStudio((s) => s.groups);
  const imageCount = useStudio((s) => s.validationImages.length);
  const imagesSource = useStudio((s) => s.imagesSource);
  const selected = useStudio((s) => s.sweepSelected);
  const [largeText, setLargeText] = useState(false);
  const seriesCount = useStudio((s) => (s.sweepCriteria.length || 1) * s.sweepAllocations.length);
  const targets = useStudio((s) => s.sweepTargets.length);
  const names = useStudio((s) => (s.sweepCriteria.length ? s.sweepCriteria : [s.criterion]).map((id) => s.criteria.find((c) => c.id === id)?.name ?? id).join(', '));
  const loaded = selected !== undefined ? sweep?.points[selected] : undefined;
  const task = useStudio((s) => headlineTask(s.outputTasks));
  const plotted = sweep?.measure ? sweep.measure.axis
    : task === 'segmentation' ? "mIoU (against label masks when the images have them, else the unpruned model's masks)"
      : task === 'dense' ? "cosine similarity to the unpruned model's output"
        : sweep && sweepMetric(sweep.points) === 'agreement' ? 'agreement with the unpruned model' : 'accuracy (agreement when images are unlabelled)';
  return (
    <section className="prune-panel tradeoffs-panel" aria-label="Trade-offs">
      <p className="hint">
        Prunes the model to each MACs target, validates it as the Validate tab does, and plots {plotted} and
        latency against the MACs kept. Click a point to load its plan.
      </p>
      <TargetsInput disabled={running} />
      <SeriesChoice disabled={running} />
      <RecoveryChoice disabled={running} />
      <p className="hint">
        {imageCount ? `On the ${imageCount} images chosen in Validate (${imagesSource ?? 'uploaded'}).` : 'No images chosen in Validate: the bundled samples will be used.'}
        {` ${seriesCount * targets} points (${names}).`}
      </p>
      <div className="row">
        <button type="button" className="primary" disabled={running || !groups || seriesCount * targets === 0} onClick={() => void runSweep()}>Run sweep</button>
        {running && <button type="button" onClick={() => cancelJob('sweep')}>Cancel</button>}
        <label title="Bigger labels for projectors">
          <input type="checkbox" checked={largeText} onChange={(e) => setLargeText(e.target.checked)} /> Large text
        </label>
      </div>
      <SweepStatus sweep={current} />
      {/* The chart is drawn as soon as the tab opens, its frame (legend, headings, ticks) before any
          point: Chromium on Linux asks the browser process for each new font size and weight in a
          synchronous IPC, and when the chart was first drawn as the first point landed, with the
          worker's WASM thread and V8's compile threads holding the cores, that one layout held the
          main thread for 170–1,400 ms. Drawn first while the page is idle, the fonts are known. */}
      <TradeoffsChart result={sweep?.points.length || sweep?.state === 'running' ? sweep : planned}
        height={largeText ? 620 : 500} fontSize={largeText ? 20 : 15} onLoad={loadSweepPoint} />
      {sweep && sweep.points.length > 0 && (
        <>
          {loaded && (
            <p className="sweep-loaded" role="status" data-testid="sweep-loaded">
              Loaded: {sweep.series.find((s) => s.id === loaded.series)?.label}, {percent(loaded.macsKept)} of MACs — the graph and the Ratios tab show its plan.
            </p>
          )}
          <p className="hint">Rings: the Pareto front (no other point keeps fewer MACs with better {sweep.measure?.name ?? sweepMetric(sweep.points)}). Dashed: the unpruned model. Focus the chart, move with ← →, Enter loads.</p>
          <PointsTable sweep={sweep} />
        </>
      )}
    </section>
  );
}
