// Arithmetic on dimensions. A Dim is a number, a symbol ("batch", "N"), a product of symbols with
// an optional numeric coefficient ("2*batch*seq"), or "?" (unknown; two "?" are never known equal).
// Products are what Reshape/Flatten need to carry a symbolic batch through `view(n, -1)`.
import type { Dim } from '../shapes.js';

/** The unknown dimension. */
export const UNKNOWN: Dim = '?';

/** Raised by a shape rule when an output cannot be determined; the message is the reason shown. */
export class ShapeUnknown extends Error {
  override readonly name = 'ShapeUnknown';
}

interface Factors {
  coef: number;
  syms: string[];
}

function factors(d: Dim): Factors | undefined {
  if (typeof d === 'number') return { coef: d, syms: [] };
  if (d === UNKNOWN || d === '') return undefined;
  let coef = 1;
  const syms: string[] = [];
  for (const part of d.split('*')) {
    if (/^\d+$/.test(part)) coef *= Number(part);
    else syms.push(part);
  }
  return { coef, syms: syms.sort() };
}

function fromFactors(f: Factors): Dim {
  if (f.syms.length === 0) return f.coef;
  if (f.coef === 0) return 0;
  return [...(f.coef === 1 ? [] : [String(f.coef)]), ...f.syms].join('*');
}

/** True when the dim is a known number. */
export function isNum(d: Dim | undefined): d is number {
  return typeof d === 'number';
}

/** a × b, symbolic when either is a symbol, "?" when either is unknown. */
export function mulDim(a: Dim, b: Dim): Dim {
  if (a === 0 || b === 0) return 0;
  const fa = factors(a);
  const fb = factors(b);
  if (!fa || !fb) return UNKNOWN;
  return fromFactors({ coef: fa.coef * fb.coef, syms: [...fa.syms, ...fb.syms].sort() });
}

/** Product of dims (1 for none). */
export function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => mulDim(acc, d), 1);
}

/** a / b when exact (symbols cancel), otherwise "?". Numbers divide with floor, like ONNX Div on int64. */
export function divDim(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return b === 0 ? UNKNOWN : Math.floor(a / b);
  const fa = factors(a);
  const fb = factors(b);
  if (!fa || !fb || fb.coef === 0 || fa.coef % fb.coef !== 0) return UNKNOWN;
  const rest = [...fa.syms];
  for (const s of fb.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return UNKNOWN;
    rest.splice(i, 1);
  }
  return fromFactors({ coef: fa.coef / fb.coef, syms: rest });
}

/** a + b for numbers; a symbol plus 0 stays itself; otherwise "?". */
export function addDim(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a + b;
  if (b === 0) return a;
  if (a === 0) return b;
  return UNKNOWN;
}

/** a − b for numbers; equal symbols give 0; otherwise "?". */
export function subDim(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a - b;
  if (b === 0) return a;
  if (a === b && a !== UNKNOWN) return 0;
  return UNKNOWN;
}

/** Numpy broadcasting of two shapes (right-aligned; 1 stretches). Throws ShapeUnknown on a clash. */
export function broadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (isNum(x) && isNum(y)) throw new ShapeUnknown(`cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
    // A symbol against a number > 1 must equal that number for the model to be valid.
    else if (isNum(x)) out.push(x);
    else if (isNum(y)) out.push(y);
    else out.push(UNKNOWN);
  }
  return out;
}

/** Normalizes a possibly negative axis against `rank`; throws ShapeUnknown when out of range. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeUnknown(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Formats a shape for messages and tables: [batch,64,56,56]. */
export function formatShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.join(',')}]` : '?';
}
