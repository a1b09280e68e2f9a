// The interface every CLI command implements. See commands/index.ts for the registry.
import type { ParsedArgs } from '../args.js';
import type { CliIO } from '../io.js';

export interface CliCommand {
  /** One line for `prune-studio help`. */
  summary: string;
  /** Usage text, e.g. "inspect MODEL [--json]" (without the program name), plus option lines. */
  usage: string;
  /** Options (without dashes) that take a value, e.g. ["o", "out"]; others are boolean flags. */
  valueOptions?: string[];
  /** Runs the command; returns the exit code. Throw UsageError for bad arguments. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}
