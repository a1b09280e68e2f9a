// The CLI used the way it goes wrong in real life: a write that fails half-way (disk full, file-size
// limit) on an in-place prune, outputs into missing folders or over the files the run reads, empty
// numeric options, a decompression-bomb PNG and a broken image among good ones.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import { externalDataLocations } from '../core/onnx/external-data.js';
import { decodeImage } from '../runtime/node-images.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'tools/fixtures/models/resnet-basic-bn.onnx';
const EXTERNAL = 'tools/fixtures/models/dynamo-style.onnx';
const CLASSIFIER = 'src/runtime/test-data/classifier.onnx';
const BIN = resolve('bin/prune-studio.mjs');
const root = mkdtempSync(join(tmpdir(), 'cli-abuse-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs the real CLI in a shell whose file-size limit (`ulimit -f`, in KiB) makes big writes fail with EFBIG. */
async function runLimited(kib: number, args: string[], cwd: string): Promise<{ code: number; err: string }> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  try {
    const { stderr } = await promisify(execFile)('bash', ['-c', `ulimit -f ${kib}; exec node '${BIN}' ${quoted}`], { cwd });
    return { code: 0, err: stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, err: e.stderr };
  }
}

/** A PNG that declares width × height pixels but carries only a tiny compressed payload. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  // The first rows of zeros: a decoder that trusts the header allocates width × height × 4 bytes first.
  const idat = deflateSync(Buffer.alloc((width * 4 + 1) * 64), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

function writeGrayPng(path: string, seed: number): void {
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) {
    const v = (p * (seed + 3)) % 5 < 2 ? 255 : 0;
    png.data.set([v, v, v, 255], p * 4);
  }
  writeFileSync(path, PNG.sync.write(png));
}

describe('writes never lose the input', () => {
  it('an in-place prune whose write fails (file-size limit) leaves the model byte-identical and no temporary file', async () => {
    const dir = freshDir('in-place');
    copyFileSync(MODEL, join(dir, 'm.onnx'));
    const before = readFileSync(join(dir, 'm.onnx'));
    // 64 KiB: the model (≈200 KB) reads fine, the pruned one (≈100 KB) cannot be written.
    const r = await runLimited(64, ['prune', 'm.onnx', '-o', 'm.onnx', '--ratio', '0.3'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write .*m\.onnx: the file is larger than this system allows .*m\.onnx is unchanged/);
    expect(readFileSync(join(dir, 'm.onnx')).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['m.onnx']);
    // The same run without the limit replaces it with a valid, smaller model.
    expect((await runCli(['prune', join(dir, 'm.onnx'), '-o', join(dir, 'm.onnx'), '--ratio', '0.3'])).code).toBe(0);
    expect(readFileSync(join(dir, 'm.onnx')).length).toBeLessThan(before.length);
    decodeModel(readFileSync(join(dir, 'm.onnx')));
  });

  it('a failed write to a new path leaves nothing behind', async () => {
    const dir = freshDir('new-path');
    const r = await runLimited(64, ['prune', resolve(MODEL), '-o', 'out.onnx', '--ratio', '0.3', '--plan-out', 'plan.json'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Nothing was written/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('checks output folders before any work, naming the path and what to do', async () => {
    // The model does not exist either: the output check comes first, so no work is wasted.
    const missing = join(root, 'no-such-folder', 'out.onnx');
    const r = await runCli(['prune', join(root, 'absent.onnx'), '-o', missing, '--ratio', '0.5']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/-o .*out\.onnx: the folder .*no-such-folder does not exist\. Create it first \(mkdir -p/);
    const plan = await runCli(['prune', MODEL, '-o', join(root, 'x.onnx'), '--ratio', '0.5', '--plan-out', join(root, 'nope', 'plan.json')]);
    expect(plan.err).toMatch(/--plan-out .*the folder .*nope does not exist/);
    expect(existsSync(join(root, 'x.onnx'))).toBe(false);
    const folder = await runCli(['prune', MODEL, '-o', root, '--ratio', '0.5']);
    expect(folder.err).toMatch(/this is a folder\. Give a file name/);
    const same = await runCli(['prune', MODEL, '-o', join(root, 'a.onnx'), '--ratio', '0.5', '--plan-out', join(root, 'a.onnx')]);
    expect(same.err).toMatch(/--plan-out and -o name the same file/);
  });

  it('refuses an output that would overwrite the external data file the model reads', async () => {
    const dir = freshDir('external-clobber');
    copyFileSync(EXTERNAL, join(dir, 'dynamo-style.onnx'));
    copyFileSync(`${EXTERNAL}.data`, join(dir, 'dynamo-style.onnx.data'));
    const data = readFileSync(join(dir, 'dynamo-style.onnx.data'));
    const r = await runCli(['prune', join(dir, 'dynamo-style.onnx'), '-o', join(dir, 'dynamo-style.onnx.data'), '--ratio', '0.3']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/-o .*dynamo-style\.onnx\.data is a file this run reads .*Choose another output path/);
    expect(readFileSync(join(dir, 'dynamo-style.onnx.data')).equals(data)).toBe(true);
  });

  it('refuses empty and non-numeric ratios, naming the option', async () => {
    const out = join(root, 'r.onnx');
    for (const v of ['', ' ', 'abc', '0.3x']) {
      const r = await runCli(['prune', MODEL, '-o', out, `--ratio=${v}`]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--ratio needs a number, got "/);
    }
    expect((await runCli(['prune', MODEL, '-o', out, '--ratio', '0.5', '--max-ratio', ''])).err).toMatch(/--max-ratio needs a number/);
    expect((await runCli(['sensitivity', MODEL, '--images', root, '--ratios', ''])).err).toMatch(/--ratios must be fractions/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('models with external data', () => {
  it('--external-data writes OUT + OUT.data that onnxruntime loads and the CLI reads back; in place replaces the pair', async () => {
    const dir = freshDir('external-out');
    copyFileSync(EXTERNAL, join(dir, 'm.onnx'));
    copyFileSync(`${EXTERNAL}.data`, join(dir, 'dynamo-style.onnx.data')); // the name the model gives it
    const r = await runCli(['prune', join(dir, 'm.onnx'), '-o', join(dir, 'p.onnx'), '--ratio', '0.25', '--external-data', '--json']);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.fileBytes.before).toBe(readFileSync(join(dir, 'm.onnx')).length + readFileSync(join(dir, 'dynamo-style.onnx.data')).length);
    expect(report.fileBytes.after).toBe(readFileSync(join(dir, 'p.onnx')).length + readFileSync(join(dir, 'p.onnx.data')).length);
    expect(externalDataLocations(decodeModel(readFileSync(join(dir, 'p.onnx'))))).toEqual(['p.onnx.data']);
    const session = await ort.InferenceSession.create(join(dir, 'p.onnx'));
    expect(session.inputNames.length).toBeGreaterThan(0);
    await session.release();
    // In place: the model and its data file are replaced together and still load.
    const inPlace = await runCli(['prune', join(dir, 'p.onnx'), '-o', join(dir, 'p.onnx'), '--ratio', '0.25', '--external-data', '--json']);
    expect(inPlace.err).toBe('');
    expect((JSON.parse(inPlace.out) as PruneReport).fileBytes.after).toBeLessThan(report.fileBytes.after);
    expect((await runCli(['inspect', join(dir, 'p.onnx'), '--groups'])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['dynamo-style.onnx.data', 'm.onnx', 'p.onnx', 'p.onnx.data']);
  });
});

describe('images', () => {
  it('refuses a PNG declaring 30000×30000 pixels from its header, fast and without the memory', () => {
    const bomb = pngBomb(30000, 30000);
    expect(bomb.length).toBeLessThan(1 << 20);
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow(/bomb\.png: the image declares 30000×30000 pixels \(900 MP\), over the limit of 50 MP/);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(600 * 2 ** 20);
    // The same header under the cap decodes (the cap, not the format, refused it).
    expect(decodeImage(pngBomb(64, 64), 'small.png').width).toBe(64);
  });

  it('skips a broken image and a PNG bomb in a folder, reporting them with a count; --strict stops instead', async () => {
    const dir = freshDir('images');
    for (let i = 0; i < 4; i++) writeGrayPng(join(dir, `${i}.png`), i);
    writeFileSync(join(dir, 'broken.png'), 'not an image');
    writeFileSync(join(dir, 'bomb.png'), pngBomb(30000, 30000));
    const start = performance.now();
    const r = await runCli(['eval', CLASSIFIER, '--images', dir, '--json']);
    expect(r.code).toBe(0);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(r.err).toMatch(/skipped 2 of 6 images that could not be read/);
    expect(r.err).toMatch(/bomb\.png: the image declares 30000×30000 pixels/);
    expect(r.err).toMatch(/broken\.png: not a PNG or JPEG file/);
    expect((JSON.parse(r.out) as { images: number }).images).toBe(4);
    const strict = await runCli(['eval', CLASSIFIER, '--images', dir, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/bomb\.png|broken\.png/);
    // A lower cap refuses every image: reported, then a clear error.
    const raised = await runCli(['eval', CLASSIFIER, '--images', dir, '--max-megapixels', '0.0005']);
    expect(raised.err).toMatch(/skipped 6 of 6 images|none of its 6 images could be read/);
    expect((await runCli(['eval', CLASSIFIER, '--images', dir, '--max-megapixels', ''])).err).toMatch(/--max-megapixels needs a number/);
  });
});
