// Big files in the studio: a .onnx over the protobuf limit is refused before any read with the real
// limit and what to do, and a file the browser cannot read says so instead of a bare DOMException.
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../workers/client/studio-error';
import { checkModelFileSize, ONNX_FILE_LIMIT, readWhole } from './open-model';

describe('opening big files', () => {
  it('refuses a .onnx over 2 GiB naming the protobuf limit and external data', () => {
    expect(() => checkModelFileSize('big.onnx', ONNX_FILE_LIMIT)).not.toThrow();
    let error: unknown;
    try {
      checkModelFileSize('big.onnx', 2.2e9);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).message).toBe('big.onnx is 2.20 GB: a single .onnx file cannot exceed 2 GiB (the protobuf limit), so no tool can read it as one file.');
    expect((error as StudioError).hint).toContain('save_as_external_data=True');
  });

  it('explains a file the browser refuses to read, with its size and the CLI for very large ones', async () => {
    const unreadable = { name: 'model.onnx.data', size: 3e9, arrayBuffer: () => Promise.reject(Object.assign(new Error(''), { name: 'NotReadableError' })) } as unknown as File;
    await expect(readWhole(unreadable)).rejects.toThrow('The browser could not read model.onnx.data (3.00 GB): NotReadableError.');
    await expect(readWhole(unreadable)).rejects.toMatchObject({ hint: expect.stringContaining('npx prune-studio prune') });
  });
});
