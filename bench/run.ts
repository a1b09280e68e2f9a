// Runs every bench/*.bench.ts (sorted by name), prints one table and writes bench/out/results.json.
// Usage: npm run bench [-- <filter>]   (filter: substring of the bench file name)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findPython, type BenchContext, type BenchRow, type BenchSuite } from './harness.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function printTable(rows: BenchRow[]): void {
  const header = ['suite', 'case', 'metric', 'value', 'target', 'ok'];
  const cells = rows.map((r) => [r.suite, r.case, r.metric, `${formatValue(r.value)} ${r.unit}`, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const files = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
  const ctx: BenchContext = {
    cacheDir: join(benchDir, 'cache'),
    python: findPython(),
    log: (msg) => console.log(`  ${msg}`),
  };
  if (!(globalThis as { gc?: unknown }).gc) console.log('note: run node with --expose-gc (npm run bench does) for clean memory baselines');
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  for (const file of files) {
    console.log(`▶ ${file}`);
    try {
      const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { default: BenchSuite };
      rows.push(...(await mod.default(ctx)));
    } catch (err) {
      failures.push(`${file}: ${(err as Error).stack ?? String(err)}`);
      console.log(`  FAILED: ${(err as Error).message}`);
    }
  }
  console.log('');
  printTable(rows);
  const outDir = join(benchDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const results = { date: new Date().toISOString(), node: process.version, rows, failures };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${join(outDir, 'results.json')}`);
  const missed = rows.filter((r) => r.pass === false).length;
  if (missed || failures.length) console.log(`${missed} target(s) missed, ${failures.length} suite(s) failed`);
  if (failures.length) process.exitCode = 1;
}

await main();
