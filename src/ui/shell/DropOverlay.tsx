// Full-window hint while files are dragged over the page.

/** Visible only while dragging files. */
export function DropOverlay({ visible }: { visible: boolean }) {
  if (!visible) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <p>Drop an .onnx model (and its external data file, if it has one)</p>
    </div>
  );
}
