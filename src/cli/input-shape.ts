// `--input-shape`: the size a model will run at, for the cost report of models whose inputs have
// dynamic dims (a detector or OCR model exported with dynamic H and W has no spatial sizes, so the
// MACs of nearly every layer would be unknown). `1,3,640,640` sets the model's only input;
// `images=1,3,640,640;im_info=1,3` names the inputs of a multi-input model. It changes what is
// counted, never the model that is written.
import { buildGraph } from '../core/graph/ir.js';
import { declaredInfo, type Dim, type ShapeOptions } from '../core/graph/shapes.js';
import type { ModelProto } from '../core/onnx/proto.js';
import { stringOption, UsageError, type ParsedArgs } from './args.js';

/** The option name (commands list it in valueOptions). */
export const INPUT_SHAPE_OPTION = 'input-shape';

/** The usage line commands add to their help. */
export const INPUT_SHAPE_USAGE =
  '  --input-shape S      count MACs at this input shape where the model\'s are dynamic: 1,3,640,640,\n' +
  '                       or NAME=1,3,640,640;NAME2=... for a model with several inputs';

/** One entry of the option: an input name (absent: the model's only input) and its dims. */
export interface InputShapeEntry {
  name?: string;
  dims: number[];
}

/** Parses the option text; throws a UsageError naming what is wrong. */
export function parseInputShapes(text: string): InputShapeEntry[] {
  const entries = text.split(';').map((s) => s.trim()).filter(Boolean);
  if (!entries.length) throw new UsageError(`--input-shape needs dims such as 1,3,640,640, got "${text}"`);
  return entries.map((entry) => {
    const eq = entry.lastIndexOf('=');
    const name = eq >= 0 ? entry.slice(0, eq).trim() : undefined;
    const dimsText = eq >= 0 ? entry.slice(eq + 1) : entry;
    if (name === '') throw new UsageError(`--input-shape: empty input name in "${entry}"`);
    const dims = dimsText.split(',').map((d) => d.trim());
    if (!dims.every((d) => /^\d+$/.test(d) && Number(d) > 0)) {
      throw new UsageError(`--input-shape: "${dimsText}" must be positive integers separated by commas, e.g. 1,3,640,640`);
    }
    return { name, dims: dims.map(Number) };
  });
}

/**
 * Matches the entries with the model's inputs: names must exist, an unnamed entry needs a model
 * with one input, the rank must be the declared one and dims the model fixes must agree.
 */
export function resolveInputShapes(entries: readonly InputShapeEntry[], model: ModelProto): Map<string, Dim[]> {
  const inputs = buildGraph(model).inputs;
  const names = inputs.map((i) => i.name);
  const shapes = new Map<string, Dim[]>();
  for (const entry of entries) {
    let name = entry.name;
    if (name === undefined) {
      if (inputs.length !== 1) throw new UsageError(`--input-shape: the model has ${inputs.length} inputs (${names.join(', ')}); name them: NAME=1,3,640,640;NAME2=...`);
      name = names[0]!;
    }
    const input = inputs.find((i) => i.name === name);
    if (!input) throw new UsageError(`--input-shape: the model has no input "${name}" (inputs: ${names.join(', ')})`);
    if (shapes.has(name)) throw new UsageError(`--input-shape: input "${name}" is given twice`);
    const declared = declaredInfo(input)?.shape;
    if (declared && declared.length !== entry.dims.length) {
      throw new UsageError(`--input-shape: input "${name}" has ${declared.length} dims [${declared.join(',')}], got ${entry.dims.length} [${entry.dims.join(',')}]`);
    }
    declared?.forEach((d, i) => {
      if (typeof d === 'number' && d !== entry.dims[i]) {
        throw new UsageError(`--input-shape: dim ${i} of input "${name}" is fixed at ${d} by the model, got ${entry.dims[i]}`);
      }
    });
    shapes.set(name, entry.dims);
  }
  return shapes;
}

/** The shape options a command's `--input-shape` asks for (none when it is absent). */
export function inputShapeOptions(args: ParsedArgs, model: ModelProto): ShapeOptions {
  const text = stringOption(args, INPUT_SHAPE_OPTION);
  return text === undefined ? {} : { inputShapes: resolveInputShapes(parseInputShapes(text), model) };
}
