// The pruning panels as side-panel tabs (registered in ui/shell/SidePanel.tsx).
import type { ComponentType } from 'react';
import { ArchitecturePanel } from './architecture-panel';
import { ExportPanel } from './export-panel';
import { HeatmapPanel } from './heatmap-panel';
import { RankPanel } from './rank-panel';
import { RatiosPanel } from './ratios-panel';
import { SensitivityPanel } from './sensitivity-panel';
import { SparsityPanel } from './sparsity-panel';
import { TradeoffsPanel } from './tradeoffs-panel';
import { ValidationPanel } from './validation-panel';

export const PRUNING_PANELS: { id: string; title: string; component: ComponentType; sticky?: boolean }[] = [
  { id: 'heatmap', title: 'Heatmaps', component: HeatmapPanel, sticky: true },
  { id: 'ratios', title: 'Ratios', component: RatiosPanel, sticky: true },
  { id: 'sensitivity', title: 'Sensitivity', component: SensitivityPanel, sticky: true },
  { id: 'validate', title: 'Validate', component: ValidationPanel, sticky: true },
  { id: 'export', title: 'Export', component: ExportPanel, sticky: true },
  { id: 'architecture', title: 'Architecture', component: ArchitecturePanel, sticky: true },
  { id: 'tradeoffs', title: 'Trade-offs', component: TradeoffsPanel, sticky: true },
  { id: 'rank', title: 'Rank', component: RankPanel, sticky: true },
  { id: 'sparsity', title: 'Sparsity', component: SparsityPanel, sticky: true },
];
