// Node search by name/id and op type (pure).
import type { ModelSummary } from '../../workers/protocol';

export interface SearchHit {
  id: string;
  opType: string;
  name: string;
}

/**
 * Nodes and graph ports matching `query` (case-insensitive): exact op type first ("conv" finds
 * every Conv), then names containing the query, in graph order. At most `limit` hits.
 */
export function searchNodes(summary: ModelSummary, query: string, limit = 50): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const all: SearchHit[] = [
    ...summary.inputs.map((p) => ({ id: p.id, opType: 'input', name: p.name })),
    ...summary.nodes.map((n) => ({ id: n.id, opType: n.opType, name: n.name || n.id })),
    ...summary.outputs.map((p) => ({ id: p.id, opType: 'output', name: p.name })),
  ];
  const byOp = all.filter((h) => h.opType.toLowerCase() === q);
  const byName = all.filter((h) => h.opType.toLowerCase() !== q && (h.name.toLowerCase().includes(q) || h.id.toLowerCase().includes(q)));
  const byOpPrefix = all.filter((h) => h.opType.toLowerCase() !== q && !byName.includes(h) && h.opType.toLowerCase().startsWith(q));
  return [...byOp, ...byName, ...byOpPrefix].slice(0, limit);
}
