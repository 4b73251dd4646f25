// `proofline eval`'s output: three tables (systems, families, proof stability and obligations), or the report as
// JSON. Figures are printed as computed; "–" is a metric whose denominator was empty or that a system lacks.
import Table from 'cli-table3';

import type { EvalReport } from './score.js';

/** No colours: the table is read in CI logs and pasted into the README. */
const PLAIN = { head: [], border: [] };

const LABELS: Record<string, string> = {
  proofline: 'proofline',
  static_rules: 'baseline: static rule list',
  risk_score: 'baseline: scalar risk score',
  no_externality: 'ablation: no externality context',
  no_integrity: 'ablation: no integrity checks',
};

export function renderEvalText(report: EvalReport): string {
  const { corpus } = report;
  const systems = new Table({
    style: PLAIN,
    head: [
      'system',
      'accuracy',
      'macro-F1',
      'severe recall',
      'benign FP rate',
      'review recall',
      'review precision',
      'proof closure',
      'closure accuracy',
      'false closures',
      'mean ρ',
    ],
  });
  for (const s of report.systems) {
    systems.push([
      LABELS[s.system] ?? s.system,
      cell(s.accuracy),
      cell(s.macro_f1),
      cell(s.severe_recall),
      cell(s.benign_fp_rate),
      cell(s.review_recall),
      cell(s.review_precision),
      cell(s.proof?.proof_closure),
      cell(s.proof?.closure_accuracy),
      cell(s.proof?.false_closures),
      cell(s.proof?.mean_rho),
    ]);
  }
  const families = new Table({
    style: PLAIN,
    head: [
      'runtime family',
      'actions',
      'route accuracy',
      'mean ρ',
      'share ρ = 1',
      'expected = gold',
      'ρ = gold ρ',
    ],
  });
  for (const f of report.families) {
    families.push([
      f.family,
      f.actions,
      cell(f.route_accuracy),
      cell(f.mean_rho),
      cell(f.complete_share),
      cell(f.expected_agreement),
      cell(f.rho_agreement),
    ]);
  }
  const parts = new Table({
    style: PLAIN,
    head: ['proofline on', 'seeds', 'actions', 'accuracy', 'macro-F1', 'severe recall', 'benign FP rate'],
  });
  for (const p of report.parts) {
    parts.push([
      p.part === 'frozen' ? 'frozen part (scored last)' : 'tuning part',
      p.seeds,
      p.n,
      cell(p.accuracy),
      cell(p.macro_f1),
      cell(p.severe_recall),
      cell(p.benign_fp_rate),
    ]);
  }
  const { manifest_stability: stability, obligations } = report;
  return [
    `proofline eval: ${corpus.seeds} seeds, ${corpus.traces} traces, ${corpus.actions} actions (${corpus.severe} severe, ${corpus.tampered} tampered) in ${report.seconds} s`,
    systems.toString(),
    parts.toString(),
    families.toString(),
    `manifest stability: ${stability.identical}/${stability.actions} actions identical over ${stability.rebuilds} rebuilds from the log (${cell(stability.share)})`,
    `obligations: ${obligations.matched}/${obligations.gold} as labelled (${cell(obligations.accuracy)}); sessions the verifier flagged: ${report.rejected_sessions}`,
    '',
  ].join('\n');
}

function cell(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : String(value);
}
