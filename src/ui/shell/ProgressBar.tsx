// Loading progress with a cancel button; the rest of the app stays usable meanwhile.
import { cancelLoad } from '../actions/open-model';
import { useStudio } from '../store/store';

/** Shown while a model loads. */
export function ProgressBar() {
  const loading = useStudio((s) => s.loading);
  if (!loading) return null;
  const percent = Math.round(loading.progress.fraction * 100);
  return (
    <div className="progress" data-testid="load-progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`Loading ${loading.fileName}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-text">{loading.progress.message}…</span>
      <button type="button" onClick={cancelLoad}>
        Cancel
      </button>
    </div>
  );
}
