// Bottom line: graph size, layout time, keyboard shortcuts.
import { SHORTCUT_HELP } from '../hooks/use-shortcuts';
import { useStudio } from '../store/store';

/** Facts about the drawing plus the shortcut help. */
export function StatusBar() {
  const summary = useStudio((s) => s.summary);
  const layout = useStudio((s) => s.layout);
  const pending = useStudio((s) => s.layoutPending);
  return (
    <footer className="status-bar">
      <span data-testid="graph-status">
        {summary && `${summary.nodes.length} nodes`}
        {layout && ` · ${layout.nodes.length} boxes · layout ${Math.round(layout.layoutMs)} ms`}
        {pending && ' · laying out…'}
      </span>
      <span className="shortcuts">
        {SHORTCUT_HELP.map(([key, what]) => (
          <span key={key}>
            <kbd>{key}</kbd> {what}
          </span>
        ))}
      </span>
    </footer>
  );
}
