// A demo model's card: what it is, what it was trained on, how accurate it is, its classes.
import { Fragment } from 'react';
import { formatCount } from '../format';
import type { ModelCard } from '../store/model-slice';

function accuracyText(card: ModelCard): string | undefined {
  const acc = card.testAccuracy ?? card.accuracy;
  if (acc === undefined) return undefined;
  if (typeof acc === 'string') return acc;
  return acc <= 1 ? `${(acc * 100).toFixed(1)} %` : `${acc} %`;
}

/** Renders a card; rows without data are left out. */
export function ModelCardView({ card }: { card: ModelCard }) {
  const classes = card.classNames ?? card.classes;
  const rows: [string, string | undefined, string?][] = [
    ['Architecture', card.architecture],
    ['Data', card.data ?? card.dataset],
    ['Test accuracy', accuracyText(card), card.testAccuracyNote],
    ['Parameters', card.params !== undefined ? formatCount(card.params) : undefined],
    ['MACs / image', card.macs !== undefined ? formatCount(card.macs) : undefined],
    ['Epochs', card.epochs !== undefined ? String(card.epochs) : undefined],
    ['Trained with', card.trainedWith?.framework],
    ['Date', card.date],
  ];
  return (
    <section className="card" aria-labelledby="card-title" data-testid="model-card">
      <h3 id="card-title">{card.title ?? 'Model card'}</h3>
      <dl className="props">
        {rows
          .filter(([, value]) => value !== undefined)
          .map(([label, value, note]) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd title={note}>{value}</dd>
            </Fragment>
          ))}
      </dl>
      {Array.isArray(classes) && (
        <details>
          <summary>{classes.length} classes</summary>
          <ol className="classes" start={0}>
            {classes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
