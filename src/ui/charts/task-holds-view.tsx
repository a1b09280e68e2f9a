// Multi-output models scored by a loss-driven criterion: the selected group's heatmap per task
// (each output's own scores, channel index order) and the "kept because of" strip — for each kept
// channel, the output whose score holds it above the cut (task-holds.ts).
import { useMemo } from 'react';
import type { TaskKind } from '../../core/score/loss-task';
import { TASK_NAMES } from '../task-names';
import { ChannelHeatmap } from './heatmap';
import { holdCounts, holdingOutput, type OutputScores } from './task-holds';

/** Distinct, colour-blind-friendly hues (Okabe–Ito), one per output. */
export const OUTPUT_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

export function TaskHeatmaps({ groupLabel, perOutput, tasks, pruned, scoreName }: {
  groupLabel: string;
  perOutput: readonly OutputScores[];
  tasks: Readonly<Record<string, TaskKind>>;
  pruned: ArrayLike<boolean>;
  scoreName: string;
}) {
  const prunedList = useMemo(() => Array.from(pruned), [pruned]);
  const holders = useMemo(() => holdingOutput(perOutput, prunedList), [perOutput, prunedList]);
  const counts = holdCounts(holders, perOutput.length);
  const kept = prunedList.filter((p) => !p).length;
  const taskOf = (o: string) => (tasks[o] ? TASK_NAMES[tasks[o]!] : 'task');
  return (
    <div data-testid="task-heatmaps">
      <h4>Per task (each output's own {scoreName} scores, channel index order; hatched = pruned)</h4>
      {perOutput.map((o, i) => (
        <div key={o.output} className="task-heatmap" data-testid={`task-heatmap-${o.output}`}>
          <div className="task-label"><span className="swatch" style={{ background: OUTPUT_COLOURS[i % OUTPUT_COLOURS.length] }} />{o.output} — {taskOf(o.output)}</div>
          <ChannelHeatmap values={o.values} pruned={pruned} order="index" cellHeight={16}
            label={`Channel importance of ${groupLabel} for output ${o.output}`} scoreName={`${scoreName}, ${o.output}`} />
        </div>
      ))}
      <h4>Kept because of (the task whose score holds each kept channel above the cut)</h4>
      <div className="holds-strip" data-testid="kept-because-of" role="img" tabIndex={0}
        aria-label={`${kept} kept channels of ${groupLabel}: ${perOutput.map((o, i) => `${counts[i]} held by ${o.output}`).join(', ')}`}>
        {holders.map((h, c) => (
          <span key={c} className={`hold${h < 0 ? ' pruned' : ''}`}
            style={h >= 0 ? { background: OUTPUT_COLOURS[h % OUTPUT_COLOURS.length] } : undefined}
            title={h >= 0 ? `channel ${c}: kept because of ${perOutput[h]!.output}` : `channel ${c}: pruned`} />
        ))}
      </div>
      <ul className="holds-legend" data-testid="kept-because-of-legend">
        {perOutput.map((o, i) => (
          <li key={o.output}><span className="swatch" style={{ background: OUTPUT_COLOURS[i % OUTPUT_COLOURS.length] }} />{o.output} ({taskOf(o.output)}): <b>{counts[i]}</b> of {kept} kept</li>
        ))}
        <li><span className="swatch pruned" />pruned: {pruned.length - kept}</li>
      </ul>
    </div>
  );
}
