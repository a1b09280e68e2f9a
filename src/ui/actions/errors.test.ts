import { describe, expect, it } from 'vitest';
import { StudioError } from '../../workers/client/studio-error';
import { errorText, toErrorData } from './errors';

describe('error text', () => {
  it('tells a studio error with its hint, and anything else by its message', () => {
    expect(errorText(new StudioError('bad-model', 'Not an ONNX file.', 'Open a .onnx export.'))).toBe('Not an ONNX file. Open a .onnx export.');
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
  });

  it('gives the dialog the studio error as sent, and unknown failures as internal with a hint', () => {
    expect(toErrorData(new StudioError('bad-model', 'Not an ONNX file.', 'Open a .onnx export.')))
      .toEqual({ code: 'bad-model', message: 'Not an ONNX file.', hint: 'Open a .onnx export.' });
    const internal = toErrorData(new TypeError('x is undefined'));
    expect(internal.code).toBe('internal');
    expect(internal.message).toBe('x is undefined');
    expect(internal.hint).toMatch(/reload/);
  });
});
