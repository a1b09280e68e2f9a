// View slice: how the graph is shown. Commands such as "fit" and "centre on node" are counters the
// graph view reacts to, so any component (search box, shortcuts, panels) can ask without a ref.
import type { StateCreator } from 'zustand';
import type { LayoutResult } from '../../workers/protocol';
import type { ColourMode } from '../graph/colour-modes';
import type { StudioState } from './types';

export type ThemePreference = 'system' | 'light' | 'dark';
/** 'auto' folds chains only for big graphs (see COMPACT_AUTO_NODES). */
export type CompactMode = 'auto' | 'on' | 'off';

/** Above this many nodes, 'auto' compact mode folds BN/activation chains. */
export const COMPACT_AUTO_NODES = 200;

export interface ViewSlice {
  theme: ThemePreference;
  compact: CompactMode;
  layout?: LayoutResult;
  layoutPending: boolean;
  searchQuery: string;
  /** What the graph's box colours show (op type, or a per-node value of the plan). */
  graphColour: ColourMode;
  /** Increments ask the graph view to fit the whole graph. */
  fitRequest: number;
  /** A node to centre on; `nonce` makes repeated requests for the same node distinct. */
  centerRequest?: { id: string; nonce: number };

  setTheme(theme: ThemePreference): void;
  setCompact(compact: CompactMode): void;
  setLayout(layout: LayoutResult | undefined, pending: boolean): void;
  setSearchQuery(query: string): void;
  setGraphColour(mode: ColourMode): void;
  requestFit(): void;
  requestCenter(id: string): void;
}

/** The theme the toggle switches to next: system → dark → light → system. */
export const NEXT_THEME: Record<ThemePreference, ThemePreference> = { system: 'dark', dark: 'light', light: 'system' };

/** Whether compact mode applies to a graph of `nodeCount` nodes. */
export function isCompact(mode: CompactMode, nodeCount: number): boolean {
  return mode === 'on' || (mode === 'auto' && nodeCount > COMPACT_AUTO_NODES);
}

export const createViewSlice: StateCreator<StudioState, [], [], ViewSlice> = (set) => ({
  theme: 'system',
  compact: 'auto',
  layoutPending: false,
  searchQuery: '',
  graphColour: 'family',
  fitRequest: 0,
  setTheme: (theme) => set({ theme }),
  setCompact: (compact) => set({ compact }),
  setLayout: (layout, layoutPending) => set({ layout, layoutPending }),
  setSearchQuery: (searchQuery) => set({ searchQuery }),
  setGraphColour: (graphColour) => set({ graphColour }),
  requestFit: () => set((s) => ({ fitRequest: s.fitRequest + 1 })),
  requestCenter: (id) => set((s) => ({ centerRequest: { id, nonce: (s.centerRequest?.nonce ?? 0) + 1 } })),
});
