import type { CliIO } from '../io.js';
import { main } from '../main.js';

/** Runs the CLI in-process, as `prune-studio ARGV...`, capturing stdout, stderr and the exit code. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: process.cwd() };
  const code = await main(argv, io);
  return { code, out, err };
}
