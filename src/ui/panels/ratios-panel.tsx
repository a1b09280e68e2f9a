// Ratios tab: the global control (uniform / global ranking / sensitivity-guided to a MACs target),
// round_to, the live params/MACs/bytes read-out, undo/redo, plan export/import, and one slider per
// group (barriers disabled with their reason, locks kept by the global control).
import { useEffect, useRef, useState } from 'react';
import type { GroupSummary } from '../../workers/protocol';
import { errorText } from '../actions/errors';
import { importCompress } from '../actions/compress';
import { applyGlobal, downloadPlanJson } from '../actions/plan';
import { invalidBudgets } from '../actions/task-budgets';
import { MiddleEllipsis } from '../shell/MiddleEllipsis';
import type { AllocationMode } from '../store/plan-slice';
import { useStudio } from '../store/store';
import { GatesPanel } from './gates-panel';
import { bytes, change, compact } from './panel-format';
import { parsePlanJson } from './plan-json';
import { startPruningSync } from './sync';
import { TaskBudgets } from './task-budgets';
import './panels.css';

const MODE_TEXT: Record<AllocationMode, string> = {
  uniform: 'Same ratio for every unlocked group.',
  global: 'Ranks all channels together by normalised score and removes the lowest — layers with weak channels lose more.',
  sensitivity: 'Uses the sensitivity curves to remove the target share of MACs where accuracy suffers least (run Sensitivity first).',
  gates: 'Trains a gate per channel toward the MACs target (below); the gates choose how many channels each layer keeps, and which.',
};

function GlobalControl() {
  const mode = useStudio((s) => s.globalMode);
  const target = useStudio((s) => s.globalTarget);
  const roundTo = useStudio((s) => s.roundTo);
  const hasSensitivity = useStudio((s) => !!s.sensitivityResult);
  // The worker allocates with the curves measured last; say which kind they are.
  const curvesAfterLsq = useStudio((s) => s.sensitivityResult?.recovery === 'lsq');
  const criterionName = useStudio((s) => s.criteria.find((c) => c.id === s.criterion)?.name ?? s.criterion);
  // The worker ranks by weight L2 until a data criterion's scores exist (workers/studio/plan.ts rankingCriterion).
  const standIn = useStudio((s) => !!s.criteria.find((c) => c.id === s.criterion)?.needsImages && s.scores?.criterion !== s.criterion);
  const badBudget = useStudio((s) => s.globalMode === 'sensitivity' && invalidBudgets(s).length > 0);
  const [busy, setBusy] = useState(false);
  const set = useStudio.getState().setGlobal;
  return (
    <fieldset className="row">
      <legend>Global</legend>
      <select aria-label="Global mode" value={mode} onChange={(e) => set(e.target.value as AllocationMode, target)}>
        <option value="uniform">uniform</option>
        <option value="global">global ranking</option>
        <option value="sensitivity" disabled={!hasSensitivity}>sensitivity → MACs target</option>
        <option value="gates">learn with gates → MACs target</option>
      </select>
      <input type="range" min={0} max={0.95} step={0.05} value={target} aria-label="Global target"
        onChange={(e) => set(mode, Number(e.target.value))} />
      <output>{Math.round(target * 100)} %{mode === 'sensitivity' || mode === 'gates' ? ' of MACs' : ''}</output>
      {mode !== 'gates' && <button type="button" disabled={busy || badBudget} title={badBudget ? 'A task budget is not a positive number' : undefined} onClick={() => { setBusy(true); void applyGlobal().finally(() => setBusy(false)); }}>Apply</button>}
      <label>
        round to{' '}
        <select aria-label="Round channels to" value={roundTo} onChange={(e) => useStudio.getState().setRoundTo(Number(e.target.value))}>
          {[1, 2, 4, 8, 16, 32].map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      <p className="hint" style={{ flexBasis: '100%' }}>
        {MODE_TEXT[mode]}{mode === 'gates' ? '' : <> Inside each group the lowest-scoring channels go, by {criterionName} (Heatmaps tab)
        {standIn ? '; weight L2 stands in until its scores are computed on the images' : ''}.</>}
        {mode === 'sensitivity' && hasSensitivity && (
          <span data-testid="allocation-curves"> Uses the curves measured last: {curvesAfterLsq ? 'curves after least squares (each point refitted before it was measured)' : 'plain curves (no refit)'}.</span>
        )}
      </p>
      {mode === 'sensitivity' && <TaskBudgets />}
    </fieldset>
  );
}

function CostTable() {
  const cost = useStudio((s) => s.cost);
  const costError = useStudio((s) => s.costError);
  if (costError) return <p className="error" role="alert">{costError}</p>;
  if (!cost) return <p className="hint">Computing params and MACs…</p>;
  const rows: [string, number | undefined, number | undefined, (n: number | undefined) => string][] = [
    ['Parameters', cost.before.params, cost.after.params, compact],
    ['MACs / image', cost.before.macs, cost.after.macs, compact],
    ['Weights', cost.before.bytes, cost.after.bytes, bytes],
  ];
  return (
    <table className="cost-table" data-testid="plan-cost">
      <thead><tr><th /><th>before</th><th>after</th><th>change</th></tr></thead>
      <tbody>
        {rows.map(([name, before, after, fmt]) => (
          <tr key={name}><td>{name}</td><td>{fmt(before)}</td><td>{fmt(after)}</td><td>{change(before, after)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}

function HistoryAndFiles() {
  const canUndo = useStudio((s) => s.past.length > 0);
  const canRedo = useStudio((s) => s.future.length > 0);
  const planJson = useStudio((s) => (s.costPending ? undefined : s.cost?.planJson));
  const fileName = useStudio((s) => s.summary?.fileName ?? 'model.onnx');
  const fileInput = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<string>();
  const importFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    try {
      const { ratios, unknown, mismatched, compress } = parsePlanJson(await file.text(), useStudio.getState().groups ?? [], file.name);
      useStudio.getState().applyRatios(ratios);
      const compressNote = compress ? ` ${importCompress(compress)}` : '';
      const notes = [
        unknown.length ? `${unknown.length} group(s) not in this model ignored` : '',
        mismatched.length ? `${mismatched.length} group(s) with a different channel count ignored` : '',
      ].filter(Boolean);
      setMessage(`Imported ${Object.keys(ratios).length} ratios from ${file.name}${notes.length ? ` (${notes.join('; ')})` : ''}.${compressNote}`);
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  return (
    <div className="row">
      <button type="button" disabled={!canUndo} onClick={() => useStudio.getState().undo()} title="Undo (Ctrl+Z)">Undo</button>
      <button type="button" disabled={!canRedo} onClick={() => useStudio.getState().redo()} title="Redo (Ctrl+Shift+Z)">Redo</button>
      <button type="button" onClick={() => useStudio.getState().applyRatios({})}>Reset</button>
      <button type="button" disabled={!planJson} title="The channel plan, with the Rank and Sparsity tabs' choices when set (plan format version 2)"
        onClick={() => void downloadPlanJson(fileName.replace(/\.onnx$/i, '') + '.plan.json').catch((err: unknown) => setMessage(errorText(err)))}>
        Export plan
      </button>
      <button type="button" onClick={() => fileInput.current?.click()}>Import plan</button>
      <input ref={fileInput} type="file" accept=".json,application/json" hidden aria-label="Import plan file"
        onChange={(e) => { void importFile(e.target.files?.[0]); e.target.value = ''; }} />
      {message && <p className="hint" role="status" style={{ flexBasis: '100%' }}>{message}</p>}
    </div>
  );
}

function GroupRow({ group, selected }: { group: GroupSummary; selected: boolean }) {
  const ratio = useStudio((s) => s.ratios[group.id] ?? 0);
  const locked = useStudio((s) => !!s.locked[group.id]);
  const kept = useStudio((s) => s.cost?.keep[group.id]?.length);
  const row = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (selected) row.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const unit = group.unit ?? 1;
  const heads = unit > 1 ? ` (${group.channels / unit} heads of ${unit})` : '';
  const statistics = group.channelStatistics ? '; normalised across channels (LayerNorm): pruning also shifts the kept channels’ statistics, recover with LSQ or distillation' : '';
  const title = group.prunable ? `${group.label}: ${group.channels} channels${heads}${statistics}` : `${group.label} cannot be pruned: ${group.reason ?? 'barrier'}`;
  // Heads go whole: the slider moves one head at a time.
  const step = unit > 1 ? unit / group.channels : 0.01;
  return (
    <li ref={row} className={`ratio-item${group.prunable ? '' : ' barrier'}`} aria-current={selected} title={title}>
      <button type="button" className="name" onClick={() => useStudio.getState().selectGroup(group.id)}><MiddleEllipsis text={group.label} /></button>
      <input type="range" min={0} max={0.95} step={step} value={ratio} disabled={!group.prunable}
        aria-label={`Pruning ratio of ${group.label}`} onChange={(e) => useStudio.getState().setRatio(group.id, Number(e.target.value))} />
      <span>{group.prunable ? `${Math.round(ratio * 100)} %` : '—'}</span>
      {group.prunable ? (
        <label title="Locked groups keep their ratio when the global control is applied">
          <input type="checkbox" checked={locked} onChange={() => useStudio.getState().toggleLock(group.id)} aria-label={`Lock ${group.label}`} />
          {kept !== undefined ? (unit > 1 ? ` ${kept / unit}/${group.channels / unit} heads` : ` ${kept}/${group.channels}`) : ''}
          {group.channelStatistics && <abbr className="hint" title="Normalised across channels (LayerNorm): pruning also shifts the kept channels’ statistics"> LN</abbr>}
        </label>
      ) : (
        <span className="hint">{group.reason}</span>
      )}
    </li>
  );
}

/** The Ratios tab. */
export function RatiosPanel() {
  useEffect(startPruningSync, []);
  const groups = useStudio((s) => s.groups);
  const groupsError = useStudio((s) => s.groupsError);
  const selectedGroupId = useStudio((s) => s.selectedGroupId);
  // A run keeps its panel (and its controls) even when another mode is picked meanwhile.
  const gatesMode = useStudio((s) => s.globalMode === 'gates' || !!s.gatesRun?.running);
  if (groupsError) return <p className="error" role="alert">{groupsError}</p>;
  if (!groups) return <p className="hint">Analysing channel groups…</p>;
  const prunable = groups.filter((g) => g.prunable);
  const barriers = groups.filter((g) => !g.prunable);
  return (
    <section className="prune-panel" aria-label="Pruning ratios">
      <GlobalControl />
      {gatesMode && <GatesPanel />}
      <CostTable />
      <HistoryAndFiles />
      <h4>{prunable.length} prunable groups{barriers.length ? `, ${barriers.length} barriers` : ''}</h4>
      <ul className="ratio-list">
        {[...prunable, ...barriers].map((g) => <GroupRow key={g.id} group={g} selected={g.id === selectedGroupId} />)}
      </ul>
    </section>
  );
}
