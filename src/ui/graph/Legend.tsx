// Colour legend with the colour-mode switch: the op families present in the drawn graph, or the
// scale of the value mode (fraction removed, sensitivity, mean importance); barriers and the
// channel line are explained too, once the groups are known.
import { useId, useMemo } from 'react';
import { FAMILY_LABELS } from '../../workers/op-family';
import type { LayoutNode } from '../../workers/protocol';
import { useStudio } from '../store/store';
import { COLOUR_MODE_LABELS, type ColourMode, type NodeColours } from './colour-modes';

const STOPS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

function Scale({ colours }: { colours: NodeColours }) {
  const gradient = useId();
  const { mode, domain } = colours;
  if (colours.colours.size === 0) return <p className="legend-empty">{mode.empty}</p>;
  return (
    <div className="legend-scale" role="img" aria-label={`${mode.title}: ${mode.format(domain[0])} to ${mode.format(domain[1])}`}>
      <div className="legend-title">{mode.title}</div>
      <svg width={200} height={14} aria-hidden="true">
        <defs>
          <linearGradient id={gradient}>
            {STOPS.map((t) => <stop key={t} offset={`${t * 100}%`} stopColor={mode.interpolate(t)} />)}
          </linearGradient>
        </defs>
        <rect width={200} height={14} rx={3} fill={`url(#${gradient})`} />
      </svg>
      <div className="legend-ends"><span>{mode.format(domain[0])}</span><span>{mode.format(domain[1])}</span></div>
      <div className="legend-row"><span className="swatch no-value" aria-hidden="true" />no channels / no value</div>
    </div>
  );
}

interface Props {
  nodes: LayoutNode[];
  /** The value mode's colours; undefined in op-type mode. */
  colours?: NodeColours;
  /** Groups are known: boxes show channels and barriers are marked. */
  showsChannels: boolean;
}

/** The legend box (bottom left of the graph). */
export function Legend({ nodes, colours, showsChannels }: Props) {
  const mode = useStudio((s) => s.graphColour);
  const present = useMemo(() => new Set(nodes.map((n) => n.family)), [nodes]);
  return (
    <div className="legend" data-testid="graph-legend">
      <label className="legend-mode">
        Colour by{' '}
        <select aria-label="Colour graph by" value={mode} onChange={(e) => useStudio.getState().setGraphColour(e.target.value as ColourMode)}>
          {COLOUR_MODE_LABELS.map(([id, label]) => <option key={id} value={id}>{label}</option>)}
        </select>
      </label>
      {colours ? (
        <Scale colours={colours} />
      ) : (
        <ul aria-label="Colour legend">
          {FAMILY_LABELS.filter(([f]) => present.has(f)).map(([family, label]) => (
            <li key={family}>
              <span className={`swatch fam-${family}`} aria-hidden="true" />
              {label}
            </li>
          ))}
        </ul>
      )}
      {showsChannels && (
        <ul className="legend-notes" aria-label="Graph marks">
          <li><span className="legend-channels" aria-hidden="true">64 → 32</span>output channels before → after</li>
          <li><svg className="barrier-mark" width={16} height={16} viewBox="-8 -8 16 16" aria-hidden="true"><circle r={7} /><path d="M-4,0 H4" /></svg>barrier (hover for why)</li>
          <li><span className="legend-edge" aria-hidden="true" />edge width = channels</li>
        </ul>
      )}
    </div>
  );
}
