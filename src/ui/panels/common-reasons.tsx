// The commonest reasons of a list ("12 groups: model output …"), for panels that have nothing to
// show and must say why: the Heatmaps tab on a model with no prunable group, the Rank tab on one
// with no factorisable layer.
const SHOWN = 3;

export function CommonReasons({ reasons, noun }: { reasons: readonly string[]; noun: string }) {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  if (!top.length) return null;
  return <ul>{top.map(([r, n]) => <li key={r}>{n > 1 ? `${n} ${noun}: ` : ''}{r}</li>)}</ul>;
}
