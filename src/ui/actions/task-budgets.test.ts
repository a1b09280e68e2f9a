import { describe, expect, it } from 'vitest';
import type { SensitivityResult } from '../../workers/protocol';
import { budgetsToSend, budgetUnit, formatDrop, invalidBudgets } from './task-budgets';

const sensitivityResult: SensitivityResult = {
  ratios: [0.5], metric: 'agreement', curves: {},
  outputs: [{ name: 'logits', task: 'class', measure: 'agreement' }, { name: 'reconstruction', task: 'dense', measure: '1 − R²' }],
};

describe('task budgets as typed', () => {
  it('sends the positive ones, ignores empty ones and flags the rest', () => {
    expect(budgetsToSend({ sensitivityResult, taskBudgets: { logits: ' ', reconstruction: '0.03' } })).toEqual({ reconstruction: 0.03 });
    expect(budgetsToSend({ sensitivityResult, taskBudgets: {} })).toBeUndefined();
    expect(invalidBudgets({ sensitivityResult, taskBudgets: { logits: '0', reconstruction: '-1' } })).toEqual(['logits', 'reconstruction']);
    expect(budgetsToSend({ sensitivityResult, taskBudgets: { logits: '0', reconstruction: '0.1' } })).toEqual({ reconstruction: 0.1 });
    // A single-output run has no budgets (its curves are the model's only drop).
    expect(budgetsToSend({ sensitivityResult: { ...sensitivityResult, outputs: undefined }, taskBudgets: { logits: '0.1' } })).toBeUndefined();
  });

  it('names each measure’s unit and formats drops', () => {
    expect(budgetUnit('agreement')).toBe('agreement drop (0.01 = 1 point)');
    expect(budgetUnit('1 − R²')).toBe('1 − R²');
    expect(formatDrop(0.0299999)).toBe('0.03');
    expect(formatDrop(0)).toBe('0');
    expect(formatDrop(0.00002)).toBe('2.0e-5');
  });
});
