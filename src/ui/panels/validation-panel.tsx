// Validate tab: choose images (bundled samples in one click, files, or a folder whose sub-folders
// name the classes), the preprocessing (defaults inferred from the model, with a preview of what
// the model sees), the backend and the recovery (shared with Export), then compare original and pruned in the worker.
import { useDeferredValue, useEffect, useRef, useState } from 'react';
import { labelPickedFiles } from '../../runtime/web-images';
import { describeBackend } from '../../runtime/wasm-threads';
import type { PreviewImage } from '../../workers/protocol';
import { errorText } from '../actions/errors';
import { cancelJob } from '../actions/jobs';
import { fetchSampleSet, sampleClassNames } from '../actions/samples';
import { runValidation } from '../actions/validate';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { RecoveryChoice } from './recovery-choice';
import { startPruningSync } from './sync';
import { TrainingPanel } from './training-panel';
import { headlineTask } from '../validation-measures';
import { ConfusionMatrix, OutputsTable, Predictions, ResultsTable } from './validation-results';
import './panels.css';

/** Class names: the model card's, else the bundled samples' list (the demo models share it). */
function useClassNames(): string[] {
  const card = useStudio((s) => s.card);
  const fromCard = (card?.classNames ?? card?.classes) as string[] | undefined;
  const [fallback, setFallback] = useState<string[]>([]);
  useEffect(() => {
    if (fromCard) return;
    let live = true;
    void sampleClassNames().then((names) => live && setFallback(names)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [fromCard]);
  return fromCard ?? fallback;
}

/** What the images can carry for this model: class folders for classifiers, label masks for segmentation. */
const NO_IMAGES_HINT = {
  class: 'No images yet. A folder of class sub-folders (0/, 1/ … or class names) gives labels, so accuracy can be measured.',
  segmentation: 'No images yet. Label masks picked with the images (NAME.mask.png beside NAME.png or .jpg: 8-bit grayscale, value = class, 255 = ignore) are scored against; without them the pruned model is compared with the unpruned model\'s masks.',
  dense: 'No images yet. A dense output is compared with the unpruned model\'s output on the same images; no labels are needed.',
} as const;

function ImageSource({ classNames }: { classNames: string[] }) {
  const task = useStudio((s) => headlineTask(s.outputTasks));
  const source = useStudio((s) => s.imagesSource);
  const count = useStudio((s) => s.validationImages.length);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const loadBundled = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const images = await fetchSampleSet('test');
      // Their labels are image classes: they mean nothing to a segmentation or dense output.
      useStudio.getState().setValidationImages(images, task === 'class' ? `bundled samples (${images.length} labelled images)`
        : `bundled samples (${images.length} images; their class labels do not apply to ${task === 'segmentation' ? 'segmentation: no label masks' : 'a dense output'})`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const takePicked = (list: FileList | null): void => {
    if (!list?.length) return;
    const labelled = labelPickedFiles([...list], classNames);
    if (labelled.length === 0) return setError('None of the chosen files is a PNG or JPEG image.');
    const withLabels = labelled.filter((f) => f.label !== undefined).length;
    const withMasks = labelled.filter((f) => f.mask).length;
    const described = task === 'class'
      ? (withLabels ? `, ${withLabels} labelled by folder` : ', unlabelled (agreement only)')
      : task === 'segmentation' ? (withMasks ? `, ${withMasks} with label masks` : ', no label masks (compared with the unpruned model\'s masks)') : '';
    useStudio.getState().setValidationImages(labelled.map((f) => ({
      name: f.file.webkitRelativePath || f.file.name, blob: f.file, label: f.label, ...(f.mask ? { mask: f.mask } : {}),
    })), `${labelled.length} uploaded images${described}`);
    setError(undefined);
  };
  return (
    <fieldset className="row">
      <legend>Images</legend>
      <button type="button" onClick={() => void loadBundled()} disabled={busy}>{busy ? 'Loading samples…' : 'Use bundled samples'}</button>
      <label className="button">Upload images <input type="file" accept="image/png,image/jpeg" multiple hidden aria-label="Upload images" onChange={(e) => takePicked(e.target.files)} /></label>
      <label className="button">Upload folder <input type="file" multiple hidden aria-label="Upload a folder of class sub-folders"
        ref={(el) => el?.setAttribute('webkitdirectory', '')} onChange={(e) => takePicked(e.target.files)} /></label>
      <p className="hint" style={{ flexBasis: '100%' }} data-testid="image-source">
        {count ? source : NO_IMAGES_HINT[task]}
      </p>
      {error && <p className="error" role="alert">{error}</p>}
    </fieldset>
  );
}

function PreprocessControl() {
  const presets = useStudio((s) => s.presets);
  const spec = useStudio((s) => s.preprocess);
  const inferred = useStudio((s) => s.inferredPreprocess);
  const first = useStudio((s) => s.validationImages[0]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [preview, setPreview] = useState<PreviewImage>();
  useEffect(() => {
    if (!first || !spec) return;
    let live = true;
    void first.blob.arrayBuffer().then((bytes) =>
      studioClient().call((api, jobId) => api.previewPreprocess({ jobId, image: { name: first.name, bytes }, preprocess: spec })))
      .then((p) => live && setPreview(p)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [first, spec]);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !preview) return;
    c.width = preview.width;
    c.height = preview.height;
    c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(preview.rgba), preview.width, preview.height), 0, 0);
  }, [preview]);
  if (!spec) return <p className="hint">Reading the model input…</p>;
  return (
    <fieldset className="row">
      <legend>Preprocessing</legend>
      <select aria-label="Preprocessing preset" value={spec.preset}
        onChange={(e) => { const p = presets.find((x) => x.preset === e.target.value); if (p) useStudio.getState().setPreprocess(p); }}>
        {presets.map((p) => <option key={p.preset} value={p.preset}>{p.preset}{p.preset === inferred?.preset ? ' (inferred)' : ''}</option>)}
      </select>
      <span className="hint">
        {spec.width}×{spec.height}, {spec.channels === 1 ? 'grayscale' : spec.colorOrder}, {spec.layout}, ×{spec.scale.toFixed(4)}, mean [{spec.mean.join(', ')}], std [{spec.std.join(', ')}]
      </span>
      {preview && (
        <figure className="preprocess-preview" style={{ margin: 0 }}>
          <canvas ref={canvas} role="img" aria-label="What the model sees" data-testid="preprocess-preview" />
          <figcaption className="hint">What the model sees (values {preview.min.toFixed(2)} … {preview.max.toFixed(2)})</figcaption>
        </figure>
      )}
    </fieldset>
  );
}

function BackendSwitch() {
  const backend = useStudio((s) => s.backend);
  const report = useStudio((s) => s.validationReport);
  return (
    <fieldset className="row">
      <legend title="Validation, distillation and Learn with gates run here">Backend (validation and training)</legend>
      {(['wasm', 'webgpu'] as const).map((b) => (
        <label key={b}><input type="radio" name="backend" checked={backend === b} onChange={() => useStudio.getState().setBackend(b)} /> {b === 'wasm' ? 'WASM' : 'WebGPU'}</label>
      ))}
      {report && (
        <span className="hint" data-testid="active-backend">
          Last run on {describeBackend(report.backend, report.threads)}{report.fallbackReason ? ` — fell back: ${report.fallbackReason}` : ''}
        </span>
      )}
    </fieldset>
  );
}

/** The Validate tab. */
export function ValidationPanel() {
  useEffect(startPruningSync, []);
  const classNames = useClassNames();
  const report = useStudio((s) => s.validationReport);
  const progress = useStudio((s) => s.validationProgress);
  const error = useStudio((s) => s.validationError);
  const images = useStudio((s) => s.validationImages);
  // Store updates render synchronously; the thumbnails and matrix follow in an interruptible pass.
  const deferredReport = useDeferredValue(report);
  const running = !!progress;
  // Top-1 predictions and the confusion matrix are about classes: shown only when a class output exists.
  const classifier = headlineTask(report?.outputs) === 'class';
  // A new report scrolls its table into view: it lands below the recovery and training controls,
  // out of sight on a projector. A report already there when the tab opens keeps the tab's scroll.
  const results = useRef<HTMLDivElement>(null);
  const shownReport = useRef(report);
  useEffect(() => {
    if (!report || report === shownReport.current) return;
    shownReport.current = report;
    const smooth = !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    results.current?.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
  }, [report]);
  return (
    <section className="prune-panel" aria-label="Validation">
      <ImageSource classNames={classNames} />
      <PreprocessControl />
      <BackendSwitch />
      <RecoveryChoice disabled={running} />
      <TrainingPanel />
      <div className="row">
        <button type="button" disabled={running || images.length === 0} onClick={() => void runValidation()}>Validate original vs pruned</button>
        {running && <button type="button" onClick={() => cancelJob('validate')}>Cancel</button>}
      </div>
      {progress && (
        <div className="progress" role="status">
          <progress max={1} value={progress.fraction} aria-label="Validation progress" />
          <span>{progress.message}</span>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {report && (
        <div ref={results}>
          <ResultsTable report={report} />
          <OutputsTable report={report} />
          {classifier && deferredReport && <ConfusionMatrix report={deferredReport} classNames={classNames} />}
          {classifier && deferredReport && <Predictions report={deferredReport} images={images} classNames={classNames} />}
        </div>
      )}
    </section>
  );
}
