// Learn with gates (Ratios tab, when the Global control's mode is "learn with gates"): settings and
// images, Start, Pause / Resume / Cancel while it trains, the live gate histogram (it turns bimodal),
// the MACs the kept channels would leave, the loss curve (the distillation chart), and each group's
// width as it settles ("before → after", as the graph's labels show it live). At the end the learnt
// plan is the current plan (criterion "gates"); Validate and Export use the learnt model.
import { useState } from 'react';
import { GateHistogramChart } from '../charts/gate-histogram';
import { groupWidths } from '../charts/gate-histogram-data';
import { TrainingChart } from '../charts/training-chart';
import { bestEpoch } from '../charts/training-curve';
import { cancelGates, learnWithGates, pauseGates, resumeGates, stopGates } from '../actions/gates';
import { useStudio } from '../store/store';
import { MiddleEllipsis } from '../shell/MiddleEllipsis';
import { TrainingImages } from './training-panel';

function Settings({ disabled }: { disabled: boolean }) {
  const { epochs, lr } = useStudio((s) => s.gatesTraining);
  const set = useStudio.getState().setGatesTraining;
  return (
    <div className="row">
      <label>Epochs <input type="number" min={1} max={50} step={1} value={epochs} disabled={disabled} aria-label="Gates epochs" style={{ width: '4em' }}
        onChange={(e) => { const v = Math.round(Number(e.target.value)); if (v >= 1) set({ epochs: v }); }} /></label>
      <label>Learning rate <input type="number" min={1e-5} max={0.1} step={1e-3} value={lr} disabled={disabled} aria-label="Gates learning rate" style={{ width: '6em' }}
        onChange={(e) => { const v = Number(e.target.value); if (v > 0) set({ lr: v }); }} /></label>
    </div>
  );
}

/** Each prunable group's kept channels, live while training, then the plan's. */
function Widths({ kept }: { kept: Readonly<Record<string, readonly number[]>> }) {
  const groups = useStudio((s) => s.groups);
  if (!groups) return null;
  const rows = groupWidths(groups, kept);
  return (
    <div data-testid="gate-widths" style={{ maxHeight: '15em', overflowY: 'auto', fontSize: '1.05em' }}>
      <table className="cost-table" style={{ width: '100%' }}>
        <thead><tr><th style={{ textAlign: 'left' }}>group</th><th>channels</th><th style={{ width: '40%' }} /></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="gate-width">
              <td style={{ maxWidth: '10em' }}><MiddleEllipsis text={r.label} /></td>
              <td style={{ whiteSpace: 'nowrap', textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>{r.channels} → {r.kept}</td>
              <td>
                <div style={{ background: 'var(--border)', height: '0.7em', borderRadius: 3 }}>
                  <div style={{ width: `${(100 * r.kept) / r.channels}%`, background: '#15803d', height: '100%', borderRadius: 3 }} />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The Learn-with-gates panel. */
export function GatesPanel() {
  const run = useStudio((s) => s.gatesRun);
  const target = useStudio((s) => s.globalTarget);
  const planKeep = useStudio((s) => s.cost?.keep);
  const [large, setLarge] = useState(false);
  const running = !!run?.running;
  const curve = run?.curve;
  const live = run?.live;
  const histogram = running ? live?.histogram : run?.outcome?.histogram ?? live?.histogram;
  const kept = running ? live?.kept : planKeep;
  const stopped = !!run?.stopRequested;
  const keepPct = Math.round((1 - target) * 100);
  return (
    <section aria-label="Learn with gates" data-testid="gates-panel"
      style={{ border: '1px solid var(--border)', borderRadius: 8, padding: '0.6rem 0.8rem', display: 'flex', flexDirection: 'column', gap: '0.5rem' }}>
      <h4 style={{ margin: 0, fontSize: '1.1em' }}>Learn with gates (GDP) → keep {keepPct} % of the MACs</h4>
      {!run && (
        <p className="hint" style={{ margin: 0 }}>
          Trains a gate per channel with the weights (distilled from the unpruned model), pulled toward 0 until the MACs
          target is met: gates at 0 go, the rest are folded into the layers. The result is an ordinary plan (criterion
          “Learnt gates”); Validate and Export use the trained model. Trains in this page where validation runs (WASM or WebGPU, the Validate tab's choice); nothing is uploaded.
        </p>
      )}
      {running ? (
        <div className="row" role="group" aria-label="Gates training controls">
          {curve?.paused
            ? <button type="button" onClick={() => void resumeGates()}>▶ Resume</button>
            : <button type="button" disabled={stopped || !!run?.pauseRequested || !curve} onClick={() => void pauseGates()}>❚❚ Pause</button>}
          <button type="button" disabled={stopped || !curve} onClick={() => void stopGates()}>■ Cancel training (keep the best so far)</button>
          <button type="button" onClick={cancelGates} title="Abandon the run: the plan stays as it was">Abandon</button>
        </div>
      ) : (
        <div className="row">
          <button type="button" className="primary" onClick={() => void learnWithGates()} style={{ fontSize: '1.1em' }}>▶ Learn with gates</button>
        </div>
      )}
      {run && (
        <p role="status" data-testid="gates-state" style={{ margin: 0, fontWeight: 600 }}>
          {running
            ? stopped ? 'Stopping: the best gates so far will be pruned and kept.' : curve?.paused ? 'Paused: nothing is computing.' : run.pauseRequested ? 'Pausing after this step…' : run.message
            : run.error ?? (run.outcome ? `Done: the learnt plan is the current plan${curve && bestEpoch(curve) !== undefined ? ` (best: epoch ${bestEpoch(curve)})` : ''}.` : '')}
        </p>
      )}
      {running && run?.fraction !== undefined && (
        <progress max={1} value={run.fraction} aria-label="Learn with gates progress" style={{ width: '100%', height: '0.9em' }} />
      )}
      {run?.error && !running && !run.error.startsWith('Cancelled') && <p className="error" role="alert">{run.error}</p>}
      {run?.outcome && !running && <p data-testid="gates-summary" className="hint" style={{ margin: 0 }}>{run.outcome.summary}</p>}
      {histogram && (
        <GateHistogramChart histogram={histogram} {...(running && live ? { step: live.step, total: live.total } : {})} />
      )}
      {!running && run?.outcome?.histogramBeforeForcing && (
        <p data-testid="gates-before-forcing" style={{ margin: 0 }}>
          Just before the budget was forced: <strong>{(run.outcome.histogramBeforeForcing.undecided * 100).toFixed(1)} % undecided</strong>, {run.outcome.histogramBeforeForcing.zero} gates at 0 by themselves.
        </p>
      )}
      {running && live?.macsKept !== undefined && (
        <p data-testid="gates-macs" style={{ margin: 0, fontSize: '1.05em' }}>
          Kept now: <strong>{live.keptChannels} of {live.totalChannels} channels</strong>, <strong>{(live.macsKept * 100).toFixed(1)} % of the MACs</strong> (target {keepPct} %)
        </p>
      )}
      {kept && (running || run?.outcome) && <Widths kept={kept} />}
      {curve && <TrainingChart curve={curve} height={260} />}
      {curve && run?.outcome && (
        <p className="hint" style={{ margin: 0 }}>
          The held-out points are the gated model's while channels close (and the fine-tuned model's, from 4 epochs on);
          the least-squares refit after the removal is not on the curve: Validate measures the model you get.
        </p>
      )}
      {curve && <button type="button" onClick={() => setLarge(true)}>⤢ Enlarge the histogram and curve</button>}
      {curve && large && (
        <div role="dialog" aria-label="Gates training, enlarged" style={{ position: 'fixed', inset: '4vh 4vw', zIndex: 1000, background: 'var(--surface)', border: '1px solid var(--border)',
          borderRadius: 10, boxShadow: 'var(--shadow)', padding: '1rem 1.5rem', display: 'grid', gridTemplateColumns: '1fr 1fr', gridTemplateRows: 'auto 1fr', gap: '1rem 2rem', fontSize: '1.25rem', overflow: 'auto' }}
          onKeyDown={(e) => e.key === 'Escape' && setLarge(false)}>
          <div style={{ gridColumn: '1 / -1', display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
            <strong>Learn with gates → keep {keepPct} % of the MACs{curve.paused ? ' — paused' : ''}{running && live?.macsKept !== undefined ? ` · kept now ${(live.macsKept * 100).toFixed(1)} %` : ''}</strong>
            <button type="button" onClick={() => setLarge(false)} autoFocus>Close</button>
          </div>
          {histogram ? <GateHistogramChart histogram={histogram} height={Math.round(window.innerHeight * 0.6)} fontSize={22} {...(running && live ? { step: live.step, total: live.total } : {})} /> : <div />}
          <TrainingChart curve={curve} height={Math.round(window.innerHeight * 0.6)} testId="gates-chart-large" fontSize={22} />
        </div>
      )}
      {!running && (
        <>
          <h5 style={{ margin: '0.4em 0 0', fontSize: '1em' }}>Settings</h5>
          <Settings disabled={running} />
          <TrainingImages disabled={running} />
        </>
      )}
    </section>
  );
}
