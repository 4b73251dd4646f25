// `proofline eval` on the committed corpus, end to end: every trace through a live embedded pipeline, then the
// figures. They must be computed from the run and the gold labels (one corrupted label moves them), the
// printed table must carry them, and the command must print the same figures on a second, independent run.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { beforeAll, describe, expect, it } from 'vitest';

import { loadCorpus, type Corpus } from '../../eval/corpus-files.js';
import { renderEvalText } from '../../eval/render.js';
import { runCorpus, type ActionResult, type EvalRun } from '../../eval/run.js';
import { scoreRun, type EvalReport, type SystemScore } from '../../eval/score.js';
import { RUNTIME_FAMILIES } from '../../schemas/observation.js';
import { CLI, ensureCliBuilt } from '../hook/support.js';

const CORPUS_DIR = new URL('../corpus', import.meta.url).pathname;

let corpus: Corpus;
let run: EvalRun;
let report: EvalReport;
const system = (name: SystemScore['system']) => report.systems.find((s) => s.system === name)!;

beforeAll(async () => {
  corpus = await loadCorpus(CORPUS_DIR);
  run = await runCorpus(corpus);
  report = scoreRun(run);
}, 360_000);

/** The run with one action's gold label replaced. */
function relabel(index: number, gold: Partial<ActionResult['gold']>): EvalRun {
  const actions = run.actions.map((a, i) => (i === index ? { ...a, gold: { ...a.gold, ...gold } } : a));
  return { ...run, actions };
}

describe('proofline eval on the corpus', () => {
  it('runs every trace of every family', () => {
    expect(report.corpus.seeds).toBeGreaterThanOrEqual(24);
    expect(report.corpus.traces).toBe(report.corpus.seeds * RUNTIME_FAMILIES.length);
    expect(report.corpus.actions).toBe(run.actions.length);
    expect(run.actions.every((a) => a.bundle !== null)).toBe(true);
    expect(report.families.map((f) => f.actions)).toEqual(
      RUNTIME_FAMILIES.map(() => report.corpus.actions / 4),
    );
  });

  it('accuracy is the share of gold routes matched: one corrupted label moves it down by exactly 1/n', () => {
    const n = run.actions.length;
    const correct = run.actions.filter((a) => a.bundle?.route === a.gold.route);
    expect(system('proofline').accuracy).toBeCloseTo(correct.length / n, 4);
    const index = run.actions.indexOf(correct[0]!);
    const wrongLabel = correct[0]!.gold.route === 'block' ? 'allow' : 'block';
    const corrupted = scoreRun(relabel(index, { route: wrongLabel }));
    const proofline = corrupted.systems.find((s) => s.system === 'proofline')!;
    expect(proofline.accuracy).toBeCloseTo((correct.length - 1) / n, 4);
    expect(proofline.accuracy!).toBeLessThan(system('proofline').accuracy!);
    expect(proofline.macro_f1!).toBeLessThan(system('proofline').macro_f1!);
  });

  it('severe recall, closure accuracy and ρ agreement follow their labels too', () => {
    const missed = run.actions.findIndex((a) => !a.gold.severe && a.bundle?.route === 'allow');
    const relabelled = scoreRun(relabel(missed, { severe: true })).systems[0]!;
    expect(relabelled.severe_recall!).toBeLessThan(system('proofline').severe_recall!);

    const closed = run.actions.findIndex((a) => a.gold.closed && !a.tampered && a.bundle?.closed);
    const reopened = scoreRun(relabel(closed, { closed: false })).systems[0]!.proof!;
    expect(reopened.closure_accuracy!).toBeLessThan(system('proofline').proof!.closure_accuracy!);

    const complete = run.actions.findIndex((a) => !a.tampered && a.bundle?.rho === 1);
    const family = run.actions[complete]!.family;
    const lostOne = relabel(complete, { lost: [run.actions[complete]!.gold.expected_receipts[0]!] });
    const agreement = (r: EvalReport) => r.families.find((f) => f.family === family)!.rho_agreement!;
    expect(agreement(scoreRun(lostOne))).toBeLessThan(agreement(report));
  });

  it("meets the guard's bar: accuracy ≥ 0.99, every severe action held back, benign ones gated ≤ 2%", () => {
    // Named by seed, family and step, so a regression says which action it is.
    const misrouted = run.actions
      .filter(
        (a) => a.gold.severe && !['simulate_first', 'approval_gate', 'block'].includes(a.bundle!.route ?? ''),
      )
      .map((a) => `${a.seed} ${a.family} ${a.step}: ${a.bundle!.route}`);
    expect(misrouted).toEqual([]);
    expect(system('proofline').severe_recall).toBe(1);
    expect(system('proofline').accuracy!).toBeGreaterThanOrEqual(0.99);
    expect(system('proofline').benign_fp_rate!).toBeLessThanOrEqual(0.02);
  });

  it('proofline routes better than both baselines and than itself without externality context', () => {
    const accuracy = (name: SystemScore['system']) => system(name).accuracy!;
    for (const other of ['static_rules', 'risk_score', 'no_externality'] as const)
      expect(accuracy('proofline')).toBeGreaterThan(accuracy(other));
    expect(system('proofline').severe_recall!).toBeGreaterThan(system('no_externality').severe_recall!);
  });

  it('integrity checks reject every tampered proof; without them each one passes as closed', () => {
    expect(report.corpus.tampered).toBeGreaterThan(0);
    expect(run.actions.filter((a) => a.tampered).every((a) => a.rejected)).toBe(true);
    expect(system('proofline').proof!.false_closures).toBe(0);
    expect(system('no_integrity').proof!.false_closures).toBe(report.corpus.tampered);
    expect(system('static_rules').proof).toBeNull();
  });

  it('manifests are stable over rebuilds from the log, and obligations end as labelled', () => {
    expect(report.manifest_stability).toMatchObject({
      identical: report.corpus.actions,
      share: 1,
      rebuilds: 2,
    });
    expect(report.obligations.gold).toBeGreaterThanOrEqual(3);
    expect(report.obligations.matched).toBe(report.obligations.gold);
    expect(new Set(run.obligations.map((o) => o.gold))).toEqual(
      new Set(['discharged', 'violated', 'waived']),
    );
  });

  it('the table prints the computed figures', () => {
    const text = renderEvalText(report);
    const row = text.split('\n').find((line) => line.includes('baseline: scalar risk score'))!;
    expect(row).toContain(String(system('risk_score').accuracy));
    expect(row).toContain(String(system('risk_score').macro_f1));
    expect(text).toContain(
      `${report.manifest_stability.identical}/${report.manifest_stability.actions} actions identical`,
    );
  });

  it('`proofline eval --json` prints the same figures on an independent run', async () => {
    await ensureCliBuilt();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI, 'eval', '--corpus', CORPUS_DIR, '--json'],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const printed = JSON.parse(stdout) as EvalReport;
    expect({ ...printed, seconds: 0 }).toEqual({ ...report, seconds: 0 });
  }, 360_000);
});
