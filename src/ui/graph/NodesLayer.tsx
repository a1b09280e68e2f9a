// The graph's boxes, coloured by op family. Labels are dropped when zoomed out (level of detail).
import { memo, type KeyboardEvent } from 'react';
import type { LayoutNode } from '../../workers/protocol';

interface Props {
  nodes: LayoutNode[];
  showLabels: boolean;
  selectedBox?: string;
  matches: ReadonlySet<string>;
  /** Boxes of the selected dependency group. */
  groupBoxes: ReadonlySet<string>;
  onSelect(id: string): void;
}

/** All boxes; React re-renders them only when these props change, never on pan or zoom. */
export const NodesLayer = memo(function NodesLayer({ nodes, showLabels, selectedBox, matches, groupBoxes, onSelect }: Props) {
  const onKey = (e: KeyboardEvent<SVGGElement>, id: string): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(id);
    }
  };
  return (
    <g className="nodes">
      {nodes.map((n) => {
        const classes = ['node', `fam-${n.family}`];
        if (n.id === selectedBox) classes.push('selected');
        if (matches.has(n.id)) classes.push('match');
        if (groupBoxes.has(n.id)) classes.push('in-group');
        return (
          <g
            key={n.id}
            className={classes.join(' ')}
            transform={`translate(${n.x - n.width / 2},${n.y - n.height / 2})`}
            data-node-id={n.id}
            role="button"
            tabIndex={0}
            aria-label={`${n.label} ${n.id}`}
            aria-pressed={n.id === selectedBox}
            onClick={() => onSelect(n.id)}
            onKeyDown={(e) => onKey(e, n.id)}
          >
            <title>{n.members.length > 1 ? `${n.id} (+${n.members.length - 1} folded)` : n.id}</title>
            <rect width={n.width} height={n.height} rx={6} />
            {showLabels && (
              <text x={n.width / 2} y={n.height / 2} dominantBaseline="central" textAnchor="middle">
                {n.label}
              </text>
            )}
          </g>
        );
      })}
    </g>
  );
});
