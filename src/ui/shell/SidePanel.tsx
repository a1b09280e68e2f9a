// Right-hand panel with tabs. Panels are a list, so adding one (heatmaps, ratios, ...) is one entry.
import { useState, type ComponentType } from 'react';
import { ModelPanel } from '../sidebar/ModelPanel';
import { NodeProperties } from '../sidebar/NodeProperties';
import { PRUNING_PANELS } from '../panels';
import { useStudio } from '../store/store';
import { useTabScroll } from './use-tab-scroll';

/** A tab of the side panel. */
export interface SidePanelTab {
  id: string;
  title: string;
  component: ComponentType;
  /** Stays in front when a node is selected (the heatmaps follow the selection themselves). */
  sticky?: boolean;
}

/** The tabs, in order. Other panels (src/ui/panels/**) register here. */
export const SIDE_PANELS: SidePanelTab[] = [
  { id: 'node', title: 'Node', component: NodeProperties },
  { id: 'model', title: 'Model', component: ModelPanel },
  ...PRUNING_PANELS,
];

/** Tabbed side panel; selecting a node brings its tab forward. */
export function SidePanel() {
  const [tab, setTab] = useState('model');
  const selectedId = useStudio((s) => s.selectedId);
  const [seenSelection, setSeenSelection] = useState(selectedId);
  if (selectedId !== seenSelection) {
    // Adjusting state while rendering (React's pattern for "reset when a prop changes").
    setSeenSelection(selectedId);
    if (selectedId && !SIDE_PANELS.find((p) => p.id === tab)?.sticky) setTab('node');
  }
  const Active = (SIDE_PANELS.find((p) => p.id === tab) ?? SIDE_PANELS[0]!).component;
  const { ref: scrollBox, onScroll, remember } = useTabScroll(tab);
  return (
    <aside className="side-panel" aria-label="Details">
      <div role="tablist" className="tabs">
        {SIDE_PANELS.map((p) => (
          <button key={p.id} type="button" role="tab" id={`tab-${p.id}`} aria-selected={tab === p.id} aria-controls="side-panel-body" onClick={() => { remember(); setTab(p.id); }}>
            {p.title}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="side-panel-body" aria-labelledby={`tab-${tab}`} className="side-panel-body" ref={scrollBox} onScroll={onScroll}>
        <Active />
      </div>
    </aside>
  );
}
