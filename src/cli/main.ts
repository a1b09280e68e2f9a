// CLI entry: parses argv, dispatches to a command from the registry (commands/index.ts) and turns
// errors into a message on stderr and a non-zero exit code.
import { parseArgs, UsageError } from './args.js';
import { commands } from './commands/index.js';
import { processIO, type CliIO } from './io.js';
import { OnnxFormatError } from '../core/onnx/errors.js';

export { UsageError } from './args.js';

/** Exit codes: 0 ok, 1 the command failed (bad model, I/O error), 2 bad command line. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return (
    'prune-studio — structured channel pruning for ONNX vision models\n\n' +
    'Usage: prune-studio COMMAND [ARGS]\n\nCommands:\n' +
    `${lines.join('\n')}\n\nRun "prune-studio help COMMAND" for a command's options.\n`
  );
}

function commandHelp(name: string): string {
  return `Usage: prune-studio ${commands[name]!.usage}\n`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    if (name === 'help' && topic && Object.hasOwn(commands, topic)) io.stdout(commandHelp(topic));
    else if (name === undefined) io.stderr(overview());
    else io.stdout(overview());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (!Object.hasOwn(commands, name)) {
    io.stderr(`prune-studio: unknown command "${name}"\n\n${overview()}`);
    return EXIT_USAGE;
  }
  const command = commands[name]!;
  try {
    const args = parseArgs(rest, command.valueOptions);
    if (args.options.has('help') || args.options.has('h')) {
      io.stdout(commandHelp(name));
      return 0;
    }
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`prune-studio ${name}: ${err.message}\n\n${commandHelp(name)}`);
      return EXIT_USAGE;
    }
    // OnnxFormatError messages already name the file, the problem and what to do.
    const message = err instanceof OnnxFormatError || err instanceof Error ? err.message : String(err);
    io.stderr(`prune-studio ${name}: ${message}\n`);
    if (process.env.PRUNE_STUDIO_DEBUG && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}
