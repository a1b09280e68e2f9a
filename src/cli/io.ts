// Where a command writes. Tests pass capturing streams; main() passes process.stdout/stderr.

/** Output channels of a command run; `cwd` resolves relative paths. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

/** The IO of the real process. */
export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  };
}
