import { describe, expect, it } from 'vitest';
import type { EdgeSummary } from '../protocol';
import { detourPoints, splitLongImpliedEdges } from './long-edges';

const e = (from: string, to: string): EdgeSummary => ({ from, to, tensor: `${from}>${to}` });
const chain = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`);

describe('long implied edges', () => {
  it('moves a long skip that another path implies out of the layout (DenseNet concat input)', () => {
    const ids = chain(7);
    const edges = ids.slice(1).map((id, i) => e(ids[i]!, id));
    const skip = e('n0', 'n6');
    const split = splitLongImpliedEdges(ids, [...edges, skip], 3);
    expect(split.detours).toEqual([skip]);
    expect(split.layout).toEqual(edges);
  });

  it('keeps short skips (ResNet blocks) and long edges that no other path implies', () => {
    const ids = chain(4);
    const edges = [e('n0', 'n1'), e('n1', 'n2'), e('n2', 'n3'), e('n0', 'n3')];
    expect(splitLongImpliedEdges(ids, edges, 3).detours).toEqual([]);
    // n0 → b0 → ... → b4 → join and a → join: "a" reaches join only directly, so its edge stays.
    const order = ['n0', 'a', 'b0', 'b1', 'b2', 'b3', 'b4', 'join'];
    const long = [e('n0', 'b0'), e('b0', 'b1'), e('b1', 'b2'), e('b2', 'b3'), e('b3', 'b4'), e('b4', 'join'), e('n0', 'a'), e('a', 'join')];
    expect(splitLongImpliedEdges(order, long, 3).detours).toEqual([]);
  });

  it('draws a detour from the bottom of the source to the top of the target, bowing right', () => {
    const points = detourPoints({ x: 0, y: 0, width: 80, height: 30 }, { x: 0, y: 500, width: 80, height: 30 });
    expect(points[0]!.y).toBe(15);
    expect(points.at(-1)!.y).toBe(485);
    expect(Math.min(...points.slice(1, -1).map((p) => p.x))).toBeGreaterThan(40);
  });
});
