// Architecture tab: the "pruned architecture" figure (channels and MACs per layer before → after
// the plan), its PNG/SVG downloads, an enlarged view for projectors, and "Download report" (one
// self-contained HTML page with the model, the plan, its cost, this chart and the results).
import { useEffect, useMemo, useRef, useState } from 'react';
import { downloadArchitecturePng, downloadArchitectureSvg, downloadReport } from '../actions/architecture-downloads';
import { errorText } from '../actions/errors';
import { architectureData, type ArchitectureData } from '../charts/architecture-data';
import { ArchitectureChart } from '../charts/architecture-chart';
import { tensorRanges } from '../graph/channel-plan';
import { useStudio } from '../store/store';
import { change, compact } from './panel-format';
import { startPruningSync } from './sync';
import './panels.css';
import './architecture.css';

function useArchitecture(): ArchitectureData | undefined {
  const summary = useStudio((s) => s.summary);
  const groups = useStudio((s) => s.groups);
  const cost = useStudio((s) => s.cost);
  const ranges = useMemo(() => (groups ? tensorRanges(groups) : undefined), [groups]);
  return useMemo(() => (summary && groups && cost?.layers ? architectureData(summary, groups, cost, ranges) : undefined), [summary, groups, cost, ranges]);
}

/** Download and text-size controls, shared by the tab and the enlarged view. */
function ChartControls({ largeText, setLargeText, onError }: { largeText: boolean; setLargeText(on: boolean): void; onError(text: string): void }) {
  const pending = useStudio((s) => s.costPending);
  return (
    <div className="row">
      <label title="Bigger labels for projectors and slides (also in the downloads)">
        <input type="checkbox" checked={largeText} onChange={(e) => setLargeText(e.target.checked)} /> Large text
      </label>
      <button type="button" disabled={pending} onClick={() => void downloadArchitecturePng(largeText).catch((err: unknown) => onError(errorText(err)))}>Download PNG</button>
      <button type="button" disabled={pending} onClick={() => downloadArchitectureSvg(largeText)}>Download SVG</button>
    </div>
  );
}

function Summary({ data }: { data: ArchitectureData }) {
  const t = data.totals;
  return (
    <p className="arch-summary" data-testid="architecture-summary">
      <strong>{data.layers.length} layers</strong>
      <span>channels {t.channelsBefore} → {t.channelsAfter}{data.hasPlan ? ` (${change(t.channelsBefore, t.channelsAfter)})` : ''}</span>
      <span>MACs {compact(t.macsBefore)} → {compact(t.macsAfter)}{data.hasPlan ? ` (${change(t.macsBefore, t.macsAfter)})` : ''}</span>
    </p>
  );
}

/** The chart over most of the window, for a projector; Esc or Close returns. */
function EnlargedChart({ data, largeText, setLargeText, onClose }: { data: ArchitectureData; largeText: boolean; setLargeText(on: boolean): void; onClose(): void }) {
  const close = useRef<HTMLButtonElement>(null);
  const fileName = useStudio((s) => s.summary?.fileName);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      previous?.focus?.();
    };
  }, [onClose]);
  const width = Math.min(1800, Math.round(window.innerWidth * 0.94) - 48);
  const height = Math.max(320, Math.round(window.innerHeight * 0.9) - 190);
  return (
    <div className="dialog-backdrop">
      <div className="arch-dialog" role="dialog" aria-modal="true" aria-labelledby="arch-dialog-title">
        <div className="row arch-dialog-head">
          <h2 id="arch-dialog-title">Pruned architecture — {fileName}</h2>
          <button ref={close} type="button" onClick={onClose}>Close</button>
        </div>
        <Summary data={data} />
        <ArchitectureChart data={data} width={width} height={height} fontSize={largeText ? 26 : 19} idPrefix="arch-dialog" />
        <ChartControls largeText={largeText} setLargeText={setLargeText} onError={setError} />
        {error && <p className="error" role="alert">{error}</p>}
      </div>
    </div>
  );
}

/** The Architecture tab. */
export function ArchitecturePanel() {
  useEffect(startPruningSync, []);
  const groups = useStudio((s) => s.groups);
  const groupsError = useStudio((s) => s.groupsError);
  const costError = useStudio((s) => s.costError);
  const data = useArchitecture();
  const [largeText, setLargeText] = useState(false);
  const [enlarged, setEnlarged] = useState(false);
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();
  const closeEnlarged = useMemo(() => () => setEnlarged(false), []);
  if (groupsError) return <p className="error" role="alert">{groupsError}</p>;
  if (!groups) return <p className="hint">Analysing channel groups…</p>;
  if (costError) return <p className="error" role="alert">{costError}</p>;
  if (!data) return <p className="hint">Counting channels and MACs per layer…</p>;
  const report = (): void => {
    try {
      const missing = downloadReport();
      setMessage(missing ? { text: missing, error: true } : { text: 'Report saved: one HTML file, open it in any browser (works offline).' });
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
  };
  return (
    <section className="prune-panel" aria-label="Pruned architecture">
      <Summary data={data} />
      <ArchitectureChart data={data} height={largeText ? 460 : 380} fontSize={largeText ? 19 : 13} idPrefix="arch-panel" />
      <p className="hint">
        Top: output channels per layer (solid kept, hatched removed). Bottom: MACs per layer (orange after, light before).
        Click a bar, or focus the chart and use ← → and Enter, to select its group in the graph, Heatmaps and Ratios.
      </p>
      <div className="row">
        <button type="button" onClick={() => setEnlarged(true)}>Enlarge</button>
      </div>
      <ChartControls largeText={largeText} setLargeText={setLargeText} onError={(text) => setMessage({ text, error: true })} />
      <h4>Report</h4>
      <p className="hint">One self-contained HTML page to share or hand out: the model, the plan, its cost, this chart, and the validation and sensitivity results when you have run them.</p>
      <div className="row">
        <button type="button" className="primary" onClick={report}>Download report</button>
      </div>
      {message && <p className={message.error ? 'error' : 'hint'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
      {enlarged && <EnlargedChart data={data} largeText={largeText} setLargeText={setLargeText} onClose={closeEnlarged} />}
    </section>
  );
}
