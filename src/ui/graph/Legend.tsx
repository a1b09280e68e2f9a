// Colour legend: the op families present in the drawn graph.
import { useMemo } from 'react';
import { FAMILY_LABELS } from '../../workers/op-family';
import type { LayoutNode } from '../../workers/protocol';

/** Swatches for the families that occur in `nodes`, in legend order. */
export function Legend({ nodes }: { nodes: LayoutNode[] }) {
  const present = useMemo(() => new Set(nodes.map((n) => n.family)), [nodes]);
  return (
    <ul className="legend" aria-label="Colour legend">
      {FAMILY_LABELS.filter(([f]) => present.has(f)).map(([family, label]) => (
        <li key={family}>
          <span className={`swatch fam-${family}`} aria-hidden="true" />
          {label}
        </li>
      ))}
    </ul>
  );
}
