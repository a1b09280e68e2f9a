// Sensitivity tab: run the per-group ratio sweep in the worker (progress bar + Cancel) and plot the
// curves (one line per group, metric drop against ratio, each group's chosen ratio marked).
import { useEffect, useMemo, useState } from 'react';
import { cancelJob } from '../actions/jobs';
import { runSensitivity } from '../actions/sensitivity';
import { LineChart, type LineSeries } from '../charts/line-chart';
import { useStudio } from '../store/store';
import { TASK_NAMES } from '../task-names';
import { startPruningSync } from './sync';
import './panels.css';

const RATIO_SETS: Record<string, number[]> = {
  quick: [0.25, 0.5, 0.75],
  standard: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
};

/** The Sensitivity tab. */
export function SensitivityPanel() {
  useEffect(startPruningSync, []);
  const result = useStudio((s) => s.sensitivityResult);
  const progress = useStudio((s) => s.sensitivityProgress);
  const error = useStudio((s) => s.sensitivityError);
  const ratios = useStudio((s) => s.ratios);
  const groups = useStudio((s) => s.groups);
  const selectedGroupId = useStudio((s) => s.selectedGroupId);
  const imageCount = useStudio((s) => s.validationImages.length);
  const [set, setSet] = useState<keyof typeof RATIO_SETS>('quick');
  const [afterLsq, setAfterLsq] = useState(false);

  const series = useMemo<LineSeries[]>(() => {
    if (!result) return [];
    const label = (id: string) => groups?.find((g) => g.id === id)?.label ?? id;
    return Object.entries(result.curves).map(([id, drops]) => ({
      id,
      label: `${label(id)}: ${result.metric} drop`,
      points: [[0, 0] as [number, number], ...result.ratios.map((r, i): [number, number] => [r, drops[i] ?? 0])],
      marker: ratios[id] ?? 0,
    }));
  }, [result, groups, ratios]);

  // Several outputs: one chart per output, in its task's measure (core/score/task-drop.ts).
  const perOutputSeries = useMemo(() => {
    if (!result?.outputs || !result.perOutput) return [];
    const label = (id: string) => groups?.find((g) => g.id === id)?.label ?? id;
    return result.outputs.map((o) => ({
      output: o,
      series: Object.entries(result.perOutput!).map(([id, byOutput]): LineSeries => ({
        id,
        label: `${label(id)}: ${o.name} ${o.measure} drop`,
        points: [[0, 0] as [number, number], ...result.ratios.map((r, i): [number, number] => [r, byOutput[o.name]?.[i] ?? 0])],
        marker: ratios[id] ?? 0,
      })),
    }));
  }, [result, groups, ratios]);

  const running = !!progress;
  return (
    <section className="prune-panel" aria-label="Sensitivity analysis">
      <p className="hint">
        Prunes each group alone at several ratios and measures how much {result?.metric ?? 'accuracy (or agreement)'} drops on
        {imageCount ? ` ${Math.min(imageCount, 128)} of the validation images` : ' the bundled calibration images'}. Flat curves can be pruned hard.
      </p>
      <div className="row">
        <label>
          Ratios{' '}
          <select aria-label="Sensitivity ratios" value={set} onChange={(e) => setSet(e.target.value)} disabled={running}>
            <option value="quick">quick (25/50/75 %)</option>
            <option value="standard">standard (10 … 90 %)</option>
          </select>
        </label>
        <label title="Refits the layers after each pruned group by least squares on the same images before measuring, so the curves show what pruning costs once Export's least-squares recovery has run">
          <input type="checkbox" aria-label="Measure each point after least squares" checked={afterLsq} disabled={running}
            onChange={(e) => setAfterLsq(e.target.checked)} />
          {' '}Measure after least squares (slower: one refit per point)
        </label>
        <button type="button" disabled={running || !groups} onClick={() => void runSensitivity(RATIO_SETS[set]!, afterLsq)}>Run sensitivity</button>
        {running && <button type="button" onClick={() => cancelJob('sensitivity')}>Cancel</button>}
      </div>
      {progress && (
        <div className="progress" role="status">
          <progress max={1} value={progress.fraction} aria-label="Sensitivity progress" />
          <span>{progress.message}</span>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {result && (
        <>
          {result.recovery && (
            <p className="hint" data-testid="sensitivity-recovery">
              Curves after least squares: each pruned model was refitted on the same images before it was measured.
            </p>
          )}
          <LineChart series={series} xLabel="pruning ratio of the group" yLabel={`${result.metric} drop`} highlightId={selectedGroupId}
            onSelect={(id) => useStudio.getState().selectGroup(id)} yFormat={result.metric === 'kl' ? (v) => v.toFixed(2) : undefined} />
          {perOutputSeries.map(({ output, series: s }) => (
            <div key={output.name} data-testid={`sensitivity-output-${output.name}`}>
              <h4>{output.name} — {TASK_NAMES[output.task]} ({output.measure} drop)</h4>
              <LineChart series={s} xLabel="pruning ratio of the group" yLabel={`${output.measure} drop`} highlightId={selectedGroupId}
                onSelect={(id) => useStudio.getState().selectGroup(id)} height={200} />
            </div>
          ))}
          <p className="hint">Dots: each group’s chosen ratio. Click a line to select its group. Ratios → “sensitivity → MACs target” uses these curves{result.recovery ? ' (after least squares)' : ''}.</p>
        </>
      )}
    </section>
  );
}
