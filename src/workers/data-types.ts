// ONNX data type names for display; dependency-free so the page can import it without core.

const DATA_TYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

/** Display name of an ONNX data type ("float32"), "?" when unknown, or "type N" when unnamed. */
export function dataTypeName(dataType: number | undefined): string {
  return dataType === undefined ? '?' : (DATA_TYPE_NAMES[dataType] ?? `type ${dataType}`);
}
