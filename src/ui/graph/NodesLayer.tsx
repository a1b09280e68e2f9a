// The graph's boxes, coloured by op family or by a plan value (colour-modes.ts), with each node's
// output channels ("64 ch", "64 → 32" once a plan exists) and a mark on barriers. Labels are
// dropped when zoomed out (level of detail).
import { memo, type KeyboardEvent } from 'react';
import type { LayoutNode } from '../../workers/protocol';
import { channelSpeech, channelText, type PlanOnGraph } from './channel-plan';
import { textOn } from './colour-modes';

interface Props {
  nodes: LayoutNode[];
  showLabels: boolean;
  selectedBox?: string;
  matches: ReadonlySet<string>;
  /** Boxes of the selected dependency group. */
  groupBoxes: ReadonlySet<string>;
  onSelect(id: string): void;
  /** Channels per node under the plan (undefined until the groups are analysed). */
  channels?: PlanOnGraph;
  /** Fill per node in a value colour mode (nodes missing get the no-value fill); undefined: op-family colours. */
  colours?: ReadonlyMap<string, string>;
}

/** Characters of channel text that fit a box at 12 px (wider texts are squeezed to fit). */
const CHANNEL_CHAR_WIDTH = 7.2;

/** The no-entry mark of a barrier, drawn in the box's top-right corner. */
function BarrierMark({ x }: { x: number }) {
  return (
    <g className="barrier-mark" transform={`translate(${x},0)`} aria-hidden="true">
      <circle r={7} />
      <path d="M-4,0 H4" />
    </g>
  );
}

/** All boxes; React re-renders them only when these props change, never on pan or zoom. */
export const NodesLayer = memo(function NodesLayer({ nodes, showLabels, selectedBox, matches, groupBoxes, onSelect, channels, colours }: Props) {
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
        const c = channels?.nodes.get(n.id);
        if (c?.barrier) classes.push('barrier');
        const fill = colours?.get(n.id);
        if (colours && !fill) classes.push('no-value');
        const speech = c ? ` ${channelSpeech(c, channels!.hasPlan)}` : '';
        const text = c && channelText(c, channels!.hasPlan);
        const folded = n.members.length > 1 ? ` (+${n.members.length - 1} folded)` : '';
        return (
          <g
            key={n.id}
            className={classes.join(' ')}
            transform={`translate(${n.x - n.width / 2},${n.y - n.height / 2})`}
            data-node-id={n.id}
            role="button"
            tabIndex={0}
            aria-label={`${n.label}${speech} ${n.id}`}
            aria-pressed={n.id === selectedBox}
            onClick={() => onSelect(n.id)}
            onKeyDown={(e) => onKey(e, n.id)}
          >
            <title>{`${n.id}${folded}${c ? `\n${channelSpeech(c, channels!.hasPlan)}` : ''}`}</title>
            <rect width={n.width} height={n.height} rx={6} style={fill ? { fill } : undefined} />
            {showLabels && (
              <text x={n.width / 2} y={text ? n.height / 2 - 8 : n.height / 2} dominantBaseline="central" textAnchor="middle" style={fill ? { fill: textOn(fill) } : undefined}>
                {n.label}
              </text>
            )}
            {showLabels && text && (
              <text
                className="node-channels"
                x={n.width / 2}
                y={n.height / 2 + 9}
                dominantBaseline="central"
                textAnchor="middle"
                style={fill ? { fill: textOn(fill) } : undefined}
                {...(text.length * CHANNEL_CHAR_WIDTH > n.width - 8 ? { textLength: n.width - 8, lengthAdjust: 'spacingAndGlyphs' } : {})}
              >
                {text}
              </text>
            )}
            {c?.barrier && <BarrierMark x={n.width - 2} />}
          </g>
        );
      })}
    </g>
  );
});
