// The normal equations and the rectified right-hand side: a ReLU-fed layer's negative targets
// only need predictions ≤ 0, so its fit must not be pulled towards their exact values.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { NormalEquations, RectifiedTargets } from './solve.js';

describe('least squares for a layer that feeds a ReLU', () => {
  it('fits the rectified output exactly where plain least squares cannot', () => {
    const random = seededRandom(5);
    const truth = [0.8, -0.6, 0.3]; // y = 0.8·x0 − 0.6·x1 + 0.3, clipped: negative targets are far below 0
    const rows = Array.from({ length: 400 }, () => {
      const x = [random() * 2 - 1, random() * 2 - 1, 1];
      const z = x.reduce((s, v, i) => s + v * truth[i]!, 0);
      return { x, y: [z > 0 ? z : z - 3 - 4 * random()] };
    });
    const eq = new NormalEquations(3, 1);
    for (const r of rows) eq.add(r.x, r.y);
    const rectifiedError = (w: Float64Array) =>
      rows.reduce((s, r) => s + (Math.max(0, r.x.reduce((p, v, i) => p + v * w[i]!, 0)) - Math.max(0, r.y[0]!)) ** 2, 0) / rows.length;
    const plain = eq.solve(1e-9);
    let w = plain;
    for (let pass = 0; pass < 20; pass++) {
      const rhs = new RectifiedTargets(3, 1, w);
      for (const r of rows) rhs.add(r.x, r.y);
      w = eq.solve(1e-9, rhs.xty);
    }
    expect(rectifiedError(plain)).toBeGreaterThan(0.05);
    expect(rectifiedError(w)).toBeLessThan(1e-3 * rectifiedError(plain));
    expect(Array.from(w)).toEqual(truth.map((t) => expect.closeTo(t, 1)));
  });
});
