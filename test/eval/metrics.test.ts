// The eval metrics against hand-worked examples: every expected number below is computed in a comment, not by
// the code under test.
import { describe, expect, it } from 'vitest';

import { completenessMetrics, round, routeMetrics, type RouteRow } from '../../eval/metrics.js';
import type { Route } from '../../schemas/guard.js';

function rows(gold: Route, predicted: Route | null, count: number, severe = false): RouteRow[] {
  return Array.from({ length: count }, () => ({ gold, predicted, severe }));
}

// Confusion matrix, gold (rows) × predicted (columns), n = 11; the gold-block rows are the severe ones:
//
//                  allow  approval_gate  block | gold total
//   allow            3          1          1   |  5
//   approval_gate    0          2          0   |  2
//   block            1          1          2   |  4
//   ----------------------------------------------
//   predicted        4          4          3
//
// accuracy = (3 + 2 + 2) / 11 = 7/11
// F1_r = 2·TP / (|pred = r| + |gold = r|):
//   allow          P = 3/4, R = 3/5, F1 = 6/9 = 2/3
//   approval_gate  P = 2/4, R = 2/2, F1 = 4/6 = 2/3
//   block          P = 2/3, R = 2/4, F1 = 4/7
// macro_f1 = (2/3 + 2/3 + 4/7) / 3 = (14 + 14 + 12) / 63 = 40/63
// severe_recall: the 4 gold-block actions were predicted allow, approval_gate, block, block → 3 held back, 3/4
// review_recall = 2 / 2 = 1, review_precision = 2 / 4 = 1/2
// benign_fp_rate: the 5 gold-allow actions (none severe) were predicted allow ×3, approval_gate, block → 2/5
const MATRIX: RouteRow[] = [
  ...rows('allow', 'allow', 3),
  ...rows('allow', 'approval_gate', 1),
  ...rows('allow', 'block', 1),
  ...rows('approval_gate', 'approval_gate', 2),
  ...rows('block', 'allow', 1, true),
  ...rows('block', 'approval_gate', 1, true),
  ...rows('block', 'block', 2, true),
];

describe('routeMetrics', () => {
  it('matches the hand-worked 3-class confusion matrix', () => {
    const metrics = routeMetrics(MATRIX);
    expect(metrics.n).toBe(11);
    expect(metrics.accuracy).toBeCloseTo(7 / 11, 12);
    expect(metrics.macro_f1).toBeCloseTo(40 / 63, 12);
    expect(metrics.severe_n).toBe(4);
    expect(metrics.severe_recall).toBeCloseTo(3 / 4, 12);
    expect(metrics.review_recall).toBe(1);
    expect(metrics.review_precision).toBe(1 / 2);
    expect(metrics.benign_n).toBe(5);
    expect(metrics.benign_fp_rate).toBeCloseTo(2 / 5, 12);
  });

  it('counts a benign action held back as a false positive, a warned or unguarded one not', () => {
    // gold warn → simulate_first (held back), gold allow → warn (ran), gold allow → null (ran): 1/3. A severe
    // gold-allow row is not benign and is left out of the denominator.
    const metrics = routeMetrics([
      ...rows('warn', 'simulate_first', 1),
      ...rows('allow', 'warn', 1),
      ...rows('allow', null, 1),
      ...rows('allow', 'block', 1, true),
    ]);
    expect(metrics.benign_n).toBe(3);
    expect(metrics.benign_fp_rate).toBeCloseTo(1 / 3, 12);
  });

  it('changing one gold label changes accuracy', () => {
    // One allow→allow row relabelled gold block: 6 correct out of 11.
    const relabelled = [
      { gold: 'block' as const, predicted: 'allow' as const, severe: false },
      ...MATRIX.slice(1),
    ];
    expect(routeMetrics(relabelled).accuracy).toBeCloseTo(6 / 11, 12);
  });

  it('counts an unguarded action (no prediction) as wrong and as not held back', () => {
    // allow→allow, allow→null (severe): accuracy 1/2. allow: P = 1/1, R = 1/2, F1 = 2/3; null is no class,
    // so macro_f1 = 2/3. The severe action ran: severe_recall = 0/1.
    const metrics = routeMetrics([...rows('allow', 'allow', 1), ...rows('allow', null, 1, true)]);
    expect(metrics.accuracy).toBe(1 / 2);
    expect(metrics.macro_f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.severe_recall).toBe(0);
  });

  it('averages over routes that occur only as predictions, with F1 = 0 for them', () => {
    // gold [allow, allow], predicted [allow, warn]: F1_allow = 2·1/(1 + 2) = 2/3; warn has P = 0/1 and no
    // gold (R undefined → 0), F1_warn = 0. macro_f1 = (2/3 + 0) / 2 = 1/3.
    const metrics = routeMetrics([...rows('allow', 'allow', 1), ...rows('allow', 'warn', 1)]);
    expect(metrics.macro_f1).toBeCloseTo(1 / 3, 12);
  });

  it('counts simulate_first as holding a severe action back, warn as not', () => {
    const metrics = routeMetrics([
      ...rows('block', 'simulate_first', 1, true),
      ...rows('block', 'warn', 1, true),
    ]);
    expect(metrics.severe_recall).toBe(1 / 2);
  });

  it('gives null, never NaN, for empty denominators', () => {
    expect(routeMetrics([])).toEqual({
      n: 0,
      accuracy: null,
      macro_f1: null,
      severe_recall: null,
      severe_n: 0,
      review_recall: null,
      review_precision: null,
      benign_fp_rate: null,
      benign_n: 0,
    });
    // No severe action, no gold or predicted approval_gate.
    const metrics = routeMetrics(rows('allow', 'warn', 2));
    expect(metrics.accuracy).toBe(0);
    expect(metrics.macro_f1).toBe(0);
    expect(metrics.severe_recall).toBeNull();
    expect(metrics.review_recall).toBeNull();
    expect(metrics.review_precision).toBeNull();
  });
});

describe('completenessMetrics', () => {
  it('averages ρ per family, a missing bundle counting as 0, in RUNTIME_FAMILIES order', () => {
    // tool_hook ρ = [1, 0.5, none → 0]: mean (1 + 0.5 + 0) / 3 = 0.5, complete 1/3. gateway ρ = [1]: 1, 1.
    const metrics = completenessMetrics([
      { family: 'gateway', rho: 1 },
      { family: 'tool_hook', rho: 1 },
      { family: 'tool_hook', rho: 0.5 },
      { family: 'tool_hook', rho: null },
    ]);
    expect(metrics).toEqual([
      { family: 'tool_hook', actions: 3, mean_rho: 0.5, complete_share: 1 / 3 },
      { family: 'gateway', actions: 1, mean_rho: 1, complete_share: 1 },
    ]);
  });

  it('is empty for no actions and refuses a ρ outside [0, 1]', () => {
    expect(completenessMetrics([])).toEqual([]);
    expect(() => completenessMetrics([{ family: 'gateway', rho: Number.NaN }])).toThrow(RangeError);
    expect(() => completenessMetrics([{ family: 'gateway', rho: 1.5 }])).toThrow(RangeError);
  });
});

describe('round', () => {
  it('rounds half up to 4 decimals by default and keeps null', () => {
    expect(round(40 / 63)).toBe(0.6349);
    expect(round(2 / 3)).toBe(0.6667);
    expect(round(0.00005)).toBe(0.0001);
    expect(round(1.005, 2)).toBe(1.01);
    expect(round(null)).toBeNull();
    expect(Object.is(round(-0.00001), 0)).toBe(true);
    expect(() => round(Number.NaN)).toThrow(RangeError);
  });
});
