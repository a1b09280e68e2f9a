// Heatmaps tab: the selected group's per-channel importance (with the cut at its ratio), the
// criterion switcher with a one-line explanation, and the overview of every prunable group.
import { useEffect, useMemo } from 'react';
import { ChannelHeatmap } from '../charts/heatmap';
import { perUnit, prunedMask, prunedUnitsMask } from '../charts/heatmap-math';
import { OverviewHeatmap, type OverviewRow } from '../charts/overview-heatmap';
import { useStudio } from '../store/store';
import { TaskHeatmaps } from '../charts/task-holds-view';
import type { GroupSummary, PlanCost } from '../../workers/protocol';
import { startPruningSync } from './sync';
import { CommonReasons } from './common-reasons';
import './panels.css';

/** The selected group (picked in a panel, or the one holding the node selected in the graph; see sync.ts). */
export function useSelectedGroup(): GroupSummary | undefined {
  const groups = useStudio((s) => s.groups);
  const selectedGroupId = useStudio((s) => s.selectedGroupId);
  return useMemo(() => groups?.find((g) => g.id === selectedGroupId), [groups, selectedGroupId]);
}

/** Pruned mask of a group: the worker's kept list when it matches this plan, else the lowest scores. */
export function prunedFor(group: GroupSummary, scores: ArrayLike<number>, ratio: number, roundTo: number, cost?: PlanCost): boolean[] {
  const keep = cost?.keep[group.id];
  const unit = group.unit ?? 1;
  const fallback = unit > 1 ? prunedUnitsMask(scores, ratio, unit) : prunedMask(scores, ratio, roundTo);
  if (keep && keep.length === group.channels - fallback.filter(Boolean).length) {
    const mask = new Array<boolean>(group.channels).fill(true);
    for (const k of keep) mask[k] = false;
    return mask;
  }
  return fallback;
}

function CriterionSwitcher() {
  const criteria = useStudio((s) => s.criteria);
  const criterion = useStudio((s) => s.criterion);
  const scoring = useStudio((s) => s.scoring);
  const info = criteria.find((c) => c.id === criterion);
  return (
    <div>
      <div className="row">
        <label>
          Criterion{' '}
          <select aria-label="Importance criterion" value={criterion} onChange={(e) => useStudio.getState().setCriterion(e.target.value)}>
            {criteria.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <OrderToggle />
      </div>
      <LsqOrderToggle />
      {info && <p className="hint" data-testid="criterion-description">{info.description}{info.needsImages ? ' (runs the model on the calibration images, or on your uploaded ones)' : ''}</p>}
      {scoring && (
        <div className="progress" role="status">
          <progress max={1} value={scoring.fraction} aria-label="Scoring progress" />
          <span>{scoring.message}</span>
        </div>
      )}
    </div>
  );
}

/** Which channels go within each layer: the criterion's lowest, or the ones least squares best does without. */
function LsqOrderToggle() {
  const orderBy = useStudio((s) => s.channelOrderBy);
  const criterion = useStudio((s) => s.criterion);
  const available = useStudio((s) => s.criteria.some((c) => c.id === RECONSTRUCTION));
  if (!available || criterion === RECONSTRUCTION) return null;
  return (
    <label className="hint" title="The criterion still decides how many channels each layer loses; within a layer, the channels whose loss least squares repairs best go first. On the Fashion-MNIST CNNs at half the MACs, after least squares and distillation: up to +0.9 points (docs/criteria.md).">
      <input
        type="checkbox"
        aria-label="Cut the channels least squares best replaces"
        checked={orderBy === RECONSTRUCTION}
        onChange={(e) => useStudio.getState().setChannelOrderBy(e.target.checked ? RECONSTRUCTION : undefined)}
      />{' '}
      Cut the channels least squares best replaces (for Recover → least squares)
    </label>
  );
}

const RECONSTRUCTION = 'reconstruction';

function OrderToggle() {
  const order = useStudio((s) => s.heatmapOrder);
  return (
    <label>
      Order{' '}
      <select aria-label="Channel order" value={order} onChange={(e) => useStudio.getState().setHeatmapOrder(e.target.value as 'index' | 'sorted')}>
        <option value="sorted">by importance</option>
        <option value="index">by channel index</option>
      </select>
    </label>
  );
}

/** The Heatmaps tab. */
export function HeatmapPanel() {
  useEffect(startPruningSync, []);
  const groups = useStudio((s) => s.groups);
  const groupsError = useStudio((s) => s.groupsError);
  const scores = useStudio((s) => s.scores);
  const scoreError = useStudio((s) => s.scoreError);
  const ratios = useStudio((s) => s.ratios);
  const roundTo = useStudio((s) => s.roundTo);
  const cost = useStudio((s) => s.cost);
  const order = useStudio((s) => s.heatmapOrder);
  const criteria = useStudio((s) => s.criteria);
  const group = useSelectedGroup();

  const rows = useMemo<OverviewRow[]>(() => {
    if (!groups || !scores) return [];
    return groups.flatMap((g) => {
      const values = scores.scores[g.id];
      if (!g.prunable || !values) return [];
      return [{ id: g.id, label: g.label, values, pruned: prunedFor(g, values, ratios[g.id] ?? 0, roundTo, cost) }];
    });
  }, [groups, scores, ratios, roundTo, cost]);
  // The overview already computed the selected group's mask; reuse it (a stable array, no redraw).
  const selectedRow = rows.find((r) => r.id === group?.id);
  const outputTasks = useStudio((s) => s.outputTasks);
  const perOutput = useMemo(() => {
    if (!scores?.perOutput || !group) return undefined;
    const list = Object.entries(scores.perOutput).flatMap(([output, m]) => (m[group.id] ? [{ output, values: m[group.id]! }] : []));
    return list.length > 1 ? list : undefined;
  }, [scores, group]);
  const taskKinds = useMemo(() => Object.fromEntries((outputTasks ?? []).map((t) => [t.name, t.kind])), [outputTasks]);

  if (groupsError) return <p className="error" role="alert">{groupsError}</p>;
  if (!groups) return <p className="hint">Analysing channel groups…</p>;
  // Attention heads: one cell per head (its channels go together).
  const unit = group?.unit ?? 1;
  const cells = selectedRow && unit > 1 ? perUnit(selectedRow.values, selectedRow.pruned, unit) : selectedRow;
  const values = cells?.values;
  const nameOf = (id: string | undefined) => criteria.find((c) => c.id === id)?.name ?? id ?? '';
  // Ordered scores keep the criterion's values in another criterion's order: the legend says both.
  const criterionName = `${nameOf(scores?.criterion)}${scores?.orderedBy ? `, in ${nameOf(scores.orderedBy).toLowerCase()} order` : ''}`;
  return (
    <section className="prune-panel" aria-label="Channel importance heatmaps">
      <CriterionSwitcher />
      {scoreError && <p className="error" role="alert">{scoreError}</p>}
      <h4>{group ? `${group.label} — ${group.channels} channels${unit > 1 ? ` in ${group.channels / unit} heads of ${unit}` : ''}, ${Math.round((ratios[group.id] ?? 0) * 100)} % pruned` : 'Select a layer'}</h4>
      {group && !group.prunable && <p className="hint">Not prunable: {group.reason}</p>}
      {group?.channelStatistics && <p className="hint" data-testid="channel-statistics-note">Normalised across channels (LayerNorm over the embedding width): removing channels also shifts the statistics of the kept ones, so the pruned model differs from simply zeroing them — recover with LSQ or distillation.</p>}
      {group && cells && values && (
        <ChannelHeatmap values={values} pruned={cells.pruned} order={order} cellName={unit > 1 ? 'head' : 'channel'}
          label={`${unit > 1 ? 'Head' : 'Channel'} importance of ${group.label}`} scoreName={criterionName} />
      )}
      {group && selectedRow && perOutput && (
        <TaskHeatmaps groupLabel={group.label} perOutput={perOutput} tasks={taskKinds} pruned={selectedRow.pruned} scoreName={criterionName} />
      )}
      {!group && <p className="hint">Click a layer in the graph, or a row below, to see its channels.</p>}
      {!groups.some((g) => g.prunable) && <NothingPrunable reasons={groups.map((g) => g.reason ?? 'not prunable')} />}
      <h4>All prunable groups (each row normalised; hatched = pruned)</h4>
      <OverviewHeatmap rows={rows} order={order} selectedId={group?.id} onSelect={(id) => useStudio.getState().selectGroup(id)} />
    </section>
  );
}

/** Said instead of an empty overview: a model whose every channel group is a barrier, and the commonest reasons. */
function NothingPrunable({ reasons }: { reasons: string[] }) {
  return (
    <div className="hint" role="status" data-testid="nothing-prunable">
      <p>Nothing in this model can be pruned: {reasons.length === 0 ? 'it has no channel groups.' : `each of its ${reasons.length} channel groups is a barrier.`}</p>
      <CommonReasons reasons={reasons} noun="groups" />
      {reasons.length > 0 && <p>The Ratios tab lists every group with its reason; the ⛔ marks in the graph say why on hover.</p>}
    </div>
  );
}
