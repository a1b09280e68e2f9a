// A demo model's card: architecture, dataset, accuracy, classes, and any other plain fields.
import { Fragment } from 'react';
import type { ModelCard } from '../store/model-slice';

const KNOWN = new Set(['name', 'title', 'architecture', 'dataset', 'accuracy', 'classes', 'description']);

function accuracyText(acc: ModelCard['accuracy']): string {
  if (acc === undefined) return '—';
  if (typeof acc === 'number') return acc <= 1 ? `${(acc * 100).toFixed(1)} %` : `${acc} %`;
  if (typeof acc === 'string') return acc;
  return Object.entries(acc).map(([k, v]) => `${k}: ${typeof v === 'number' && v <= 1 ? `${(v * 100).toFixed(1)} %` : v}`).join(', ');
}

/** Renders a card; unknown scalar fields are listed as they are. */
export function ModelCardView({ card }: { card: ModelCard }) {
  const extra = Object.entries(card).filter(([k, v]) => !KNOWN.has(k) && ['string', 'number', 'boolean'].includes(typeof v));
  return (
    <section className="card" aria-labelledby="card-title" data-testid="model-card">
      <h3 id="card-title">Model card</h3>
      {typeof card.description === 'string' && <p>{card.description}</p>}
      <dl className="props">
        {card.architecture && (<><dt>Architecture</dt><dd>{card.architecture}</dd></>)}
        {card.dataset && (<><dt>Dataset</dt><dd>{card.dataset}</dd></>)}
        <dt>Accuracy</dt><dd>{accuracyText(card.accuracy)}</dd>
        {extra.map(([k, v]) => (<Fragment key={k}><dt>{k}</dt><dd>{String(v)}</dd></Fragment>))}
      </dl>
      {Array.isArray(card.classes) && (
        <details>
          <summary>{card.classes.length} classes</summary>
          <p className="classes">{card.classes.join(', ')}</p>
        </details>
      )}
    </section>
  );
}
