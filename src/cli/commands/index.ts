// The command registry. To add a command: create src/cli/commands/<name>.ts exporting a CliCommand,
// then add ONE line below. main.ts does the parsing, help text and error reporting.
import type { CliCommand } from './types.js';
import { inspectCommand } from './inspect.js';
import { evalCommand } from './eval.js';
import { groupsCommand } from './groups.js';
import { lowrankCommand } from './lowrank.js';
import { pruneCommand } from './prune.js';
import { scoreCommand } from './score.js';
import { sensitivityCommand } from './sensitivity.js';
import { sparsifyCommand } from './sparsify.js';

export type { CliCommand } from './types.js';

export const commands: Record<string, CliCommand> = {
  inspect: inspectCommand,
  eval: evalCommand,
  groups: groupsCommand,
  lowrank: lowrankCommand,
  prune: pruneCommand,
  score: scoreCommand,
  sensitivity: sensitivityCommand,
  sparsify: sparsifyCommand,
};
