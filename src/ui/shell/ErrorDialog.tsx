// The error dialog: what is wrong, what to do. Closing it returns to the app as it was.
import { useEffect, useRef } from 'react';
import type { StudioErrorCode } from '../../workers/protocol';
import { useStudio } from '../store/store';

const TITLES: Record<StudioErrorCode, string> = {
  'bad-model': 'This file cannot be opened as an ONNX model',
  'missing-external-data': 'The model’s weight file is missing',
  'no-model': 'No model is loaded',
  aborted: 'Cancelled',
  'worker-crashed': 'The background worker stopped',
  refused: 'Prune Studio stopped rather than write a wrong model',
  internal: 'Something went wrong',
};

/** Modal alert dialog for store.error; focus goes to its button and back afterwards. */
export function ErrorDialog() {
  const error = useStudio((s) => s.error);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!error) return;
    const previous = document.activeElement as HTMLElement | null;
    button.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') useStudio.getState().dismissError();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [error]);
  if (!error) return null;
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="error-title" aria-describedby="error-message error-hint">
        <h2 id="error-title">{TITLES[error.code]}</h2>
        <p id="error-message">{error.message}</p>
        {error.hint && (
          <p id="error-hint" className="hint">
            <strong>What to do: </strong>
            {error.hint}
          </p>
        )}
        <div className="dialog-actions">
          <button ref={button} type="button" className="primary" onClick={() => useStudio.getState().dismissError()}>
            OK
          </button>
        </div>
      </div>
    </div>
  );
}
