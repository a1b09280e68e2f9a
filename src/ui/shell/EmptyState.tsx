// What the graph area shows before any model is loaded.

interface Props {
  onOpenFile(): void;
  onOpenDemo?: () => void;
  demoChecked: boolean;
}

/** Invitation to open a model or the demo. */
export function EmptyState({ onOpenFile, onOpenDemo, demoChecked }: Props) {
  return (
    <div className="empty-state" data-testid="empty-state">
      <h2>Open an ONNX vision model</h2>
      <p>Drop an .onnx file anywhere on this page, or choose one. Nothing leaves your computer: the model is read in your browser.</p>
      <div className="empty-actions">
        <button type="button" className="primary" onClick={onOpenFile}>
          Open model…
        </button>
        <button type="button" onClick={onOpenDemo} disabled={!onOpenDemo}>
          Open demo
        </button>
      </div>
      {demoChecked && !onOpenDemo && <p className="muted">No demo model is bundled with this build.</p>}
    </div>
  );
}
