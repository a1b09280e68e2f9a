// Copies of decoded protobuf messages that keep the prototype (where protobufjs keeps field
// defaults) and unknown fields, so a copy reads and encodes exactly like the original.

/** A shallow copy of a decoded message with some fields replaced. */
export function cloneMessage<T extends object>(message: T, changes: Partial<T> = {}): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(message) as object) as T, message, changes);
  const unknowns = (message as { $unknowns?: unknown }).$unknowns;
  if (unknowns) Object.defineProperty(copy, '$unknowns', { value: unknowns, enumerable: false, writable: true });
  return copy;
}
