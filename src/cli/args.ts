// A tiny argv parser: positionals, boolean `--flag`, `--key value`, `--key=value` and short `-o value`.
// Commands declare which options take a value; everything else that starts with `-` is a boolean flag.

/** Parsed command-line arguments of one command (the command name itself is removed). */
export interface ParsedArgs {
  /** Arguments that are not options, in order. */
  positional: string[];
  /** Options by name without dashes (`--json` → `json: true`, `-o out.onnx` → `o: "out.onnx"`). */
  options: Map<string, string | true>;
}

/** Raised for bad command lines; the CLI prints the message and the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `argv`. Names in `valueOptions` (without dashes, e.g. ["o", "out", "ratio"]) consume the next
 * argument as their value; `--` ends option parsing.
 */
export function parseArgs(argv: readonly string[], valueOptions: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq > 0) {
      options.set(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    if (valueOptions.includes(body)) {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`option ${arg} needs a value`);
      options.set(body, value);
      i++;
    } else {
      options.set(body, true);
    }
  }
  return { positional, options };
}

/** A string option's value, or undefined; throws a UsageError when it was given without a value. */
export function stringOption(args: ParsedArgs, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = args.options.get(name);
    if (v === true) throw new UsageError(`option --${name} needs a value`);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * A numeric option's value, or undefined when absent. An empty or non-numeric value is an error
 * naming the option (`Number("")` is 0, which would silently turn `--ratio ""` into no pruning).
 */
export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got "${v}"`);
  return n;
}

/**
 * A positive numeric option (a whole number unless `integer` is false), or `fallback` when absent;
 * zero, a negative, a fraction where a count is wanted or text is a UsageError naming the option.
 */
export function positiveOption(args: ParsedArgs, name: string, fallback?: number, integer = true): number | undefined {
  const n = numberOption(args, name);
  if (n === undefined) return fallback;
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'whole number' : 'number'}, got "${stringOption(args, name)}"`);
  return n;
}

/** True when a boolean flag was given. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.options.has(name);
}

/**
 * A value option restricted to `choices` (`fallback` when absent); anything else is a UsageError
 * that lists the valid values.
 */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T;
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined;
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${v}"`);
  return v as T;
}
