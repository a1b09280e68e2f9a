// Exhaustiveness for switches over discriminated unions: adding a member kind, a criterion or a
// recovery method without handling it is a type error, and a bad value at run time is a clear one.

/** Marks the unreachable branch of an exhaustive switch. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
