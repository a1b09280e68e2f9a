// `prune-studio inspect MODEL [--json] [--input-shape S]`: what a model is made of (shapes, params, MACs, bytes).
import { flag, UsageError } from '../args.js';
import { INPUT_SHAPE_OPTION, INPUT_SHAPE_USAGE, inputShapeOptions } from '../input-shape.js';
import { decodeModel } from '../../core/onnx/codec.js';
import { readModelBytes } from '../files.js';
import { inspectModel, renderInspect } from '../format/inspect-report.js';
import type { CliCommand } from './types.js';
import { printGroups } from './groups.js';

export const inspectCommand: CliCommand = {
  summary: 'show inputs, outputs, shapes, params, MACs and bytes of a model',
  usage: [
    'inspect MODEL [--json] [--groups] [--input-shape S]',
    '',
    '  --json               print a machine-readable report (schemaVersion 1, see docs/cli.md)',
    '  --groups             list channel groups instead (same as `prune-studio groups MODEL`)',
    INPUT_SHAPE_USAGE,
  ].join('\n'),
  valueOptions: [INPUT_SHAPE_OPTION],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('inspect needs a MODEL path');
    if (args.positional.length > 1) throw new UsageError(`inspect takes one MODEL, got ${args.positional.length}`);
    if (flag(args, 'groups')) return printGroups(file, flag(args, 'json'), io, {}, (model) => inputShapeOptions(args, model));
    const model = decodeModel(readModelBytes(file, io.cwd), file);
    const report = inspectModel(model, file, inputShapeOptions(args, model));
    io.stdout(flag(args, 'json') ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report));
    return 0;
  },
};
