import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../workers/protocol';
import { createStudioStore } from './store';

const summary = (fileName: string): ModelSummary => ({ fileName, modelHash: fileName }) as unknown as ModelSummary;

describe('opening another model', () => {
  it('clears every per-model result in the same update that installs the new summary, and keeps the user’s choices', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadSucceeded(summary('a.onnx'));
    s().setGroups([{ id: 'g', label: 'g', channels: 4, members: ['n'], prunable: true }]);
    s().setScores({ criterion: 'l1', scores: { g: new Float32Array(4) } });
    s().setCost({ before: { params: 2, bytes: 8 }, after: { params: 1, bytes: 4 }, keep: {}, planJson: '{}' });
    s().setSensitivity({ result: { ratios: [0.5], metric: 'accuracy', curves: { g: [0.1] } } });
    s().setValidation({ error: 'old failure' });
    s().setExport({ message: { text: 'Saved a.pruned-50.onnx: 1 KB' } });
    s().setGlobal('sensitivity', 0.3);
    s().setTaskBudget('g', '0.03');
    s().setBudgetOutcome({ plan: s().ratios, target: 0.3, tasks: { g: { predictedDrop: 0.02, budget: 0.03, measure: '1 − R²' } } });
    s().setBackend('webgpu');
    s().setCriterion('l2');
    s().setSweep({ series: [], targets: [50], points: [{ series: 'uniform:l1' } as never], total: 1, recovery: 'none', images: 3, state: 'done' });
    s().selectSweepPoint(0);
    s().setSweepSettings({ sweepTargets: [70, 40], sweepAllocations: ['uniform', 'sensitivity'] });

    const seen: { summary?: ModelSummary; curves: boolean }[] = [];
    store.subscribe((st) => seen.push({ summary: st.summary, curves: !!st.sensitivityResult }));
    s().loadSucceeded(summary('b.onnx'));

    expect(seen).toEqual([{ summary: s().summary, curves: false }]); // one update: b never shows a's curves
    expect(s()).toMatchObject({
      groups: undefined, scores: undefined, cost: undefined, sensitivityResult: undefined, validationReport: undefined,
      validationError: undefined, exportMessage: undefined, globalMode: 'uniform', backend: 'webgpu', criterion: 'l2',
      sweep: undefined, sweepSelected: undefined, sweepTargets: [70, 40], sweepAllocations: ['uniform'],
      taskBudgets: {}, budgetOutcome: undefined,
    });
  });
});
