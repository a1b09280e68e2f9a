import { readFileSync } from 'node:fs';
import { decodeModel } from '../core/onnx/codec.js';
import { OnnxFormatError } from '../core/onnx/errors.js';

const usage = `prune-studio — structured channel pruning for ONNX vision models

Usage:
  prune-studio inspect MODEL [--json]
`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect': {
        const file = rest.find((a) => !a.startsWith('--'));
        if (!file) throw new UsageError('inspect needs a MODEL path');
        const model = decodeModel(readFileSync(file), file);
        console.log(JSON.stringify({ nodes: model.graph?.node.length ?? 0 }));
        return 0;
      }
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(usage);
        return command ? 0 : 1;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) process.stderr.write(`prune-studio: ${err.message}\n\n${usage}`);
    else if (err instanceof OnnxFormatError) process.stderr.write(`prune-studio: ${err.message}\n`);
    else process.stderr.write(`prune-studio: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

export class UsageError extends Error {}
