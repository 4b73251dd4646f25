// Runs the corpus through the real pipeline and collects, per action, everything the scores are computed from:
// the bundle the pipeline wrote (decisions made live), what the data directory claims after the corpus's
// adversary tampered with it, whether the verifier rejects it, the manifests of two rebuilds from the log, and
// the routes of the baselines and the ablation. Scoring is score.ts's job; nothing here decides a metric.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { startPipeline } from '../service/embedded.js';
import { EvalApprovers } from './approvers.js';
import { loadGuard } from '../policy/load.js';
import type { ActionProof, ObligationStatus } from '../schemas/bundle.js';
import type { Route } from '../schemas/guard.js';
import type { CorpusAction, CorpusTrace } from './corpus/trace.js';
import type { Corpus } from './corpus-files.js';
import { driveTrace } from './driver.js';
import { actionKey, readEvidence, type Evidence } from './evidence.js';
import { verifyDataDir } from './integrity.js';
import { QUIET_TIMERS, rebuildManifests } from './rebuild.js';
import { baselineRouters } from './systems.js';
import { tamperBundle } from './tamper.js';

export interface BundleView {
  route: Route | null;
  rho: number;
  expected: string[];
  missing: string[];
  closed: boolean;
}

export interface ActionResult {
  seed: string;
  family: CorpusTrace['family'];
  session_id: string;
  step: string;
  action_id: string;
  gold: CorpusAction['gold'];
  tampered: boolean;
  /** The bundle as the pipeline wrote it; null when none was written. */
  bundle: BundleView | null;
  /** What the data directory says after tampering, read without verification. */
  claimed: BundleView | null;
  /** The verifier failed a check on this action's bundle file. */
  rejected: boolean;
  manifest: string | null;
  rebuilt: (string | null)[];
  baselines: Record<'static_rules' | 'risk_score' | 'no_externality', Route>;
}

export interface ObligationResult {
  seed: string;
  family: CorpusTrace['family'];
  rule: string;
  gold: ObligationStatus;
  actual: ObligationStatus | null;
}

export interface EvalRun {
  dataDir: string;
  actions: ActionResult[];
  obligations: ObligationResult[];
  rejectedSessions: string[];
  seconds: number;
}

export const REBUILDS = 2;

export async function runCorpus(corpus: Corpus, options: { dataDir?: string } = {}): Promise<EvalRun> {
  const started = Date.now();
  const dataDir = resolve(options.dataDir ?? (await mkdtemp(join(tmpdir(), 'proofline-eval-'))));
  const approvers = new EvalApprovers(
    corpus.traces.flatMap((trace) =>
      actionsOf(trace).flatMap((a) => (a.approval ? [a.approval.approver] : [])),
    ),
  );
  const approversFile = await approvers.writeFile(await mkdtemp(join(tmpdir(), 'proofline-eval-approvers-')));
  const pipeline = await startPipeline({
    dataDir,
    ingest: { port: 0, approversFile },
    assembler: QUIET_TIMERS,
  });
  let keyDir: string;
  try {
    pipeline.setGuard(loadGuard(corpus.policyFile));
    for (const trace of corpus.traces) await driveTrace(trace, { url: pipeline.url, approvers });
    await pipeline.flush();
    keyDir = pipeline.keyDir;
  } finally {
    await pipeline.close();
  }

  const built = await readEvidence(dataDir);
  const rebuilt: Map<string, string>[] = [];
  for (let i = 0; i < REBUILDS; i++) rebuilt.push(await rebuildManifests(dataDir, keyDir));
  for (const trace of corpus.traces) {
    if (!trace.tamper) continue;
    const action = actionsOf(trace).find((a) => a.step === trace.tamper!.step);
    const evidence = action && built.actions.get(actionKey(trace.session_id, action.action_id));
    if (evidence) await tamperBundle(evidence.file, trace.tamper.how);
  }
  const claimed = await readEvidence(dataDir);
  const integrity = await verifyDataDir(dataDir);
  const routers = baselineRouters(corpus.policyFile);

  const actions = corpus.traces.flatMap((trace) =>
    actionsOf(trace).map((action): ActionResult => {
      const key = actionKey(trace.session_id, action.action_id);
      const bundle = built.actions.get(key);
      return {
        seed: trace.seed,
        family: trace.family,
        session_id: trace.session_id,
        step: action.step,
        action_id: action.action_id,
        gold: action.gold,
        tampered: trace.tamper?.step === action.step,
        bundle: bundle ? view(bundle.proof) : null,
        claimed: viewOf(claimed, key),
        rejected: bundle ? integrity.rejectedFiles.has(resolve(bundle.file)) : false,
        manifest: bundle?.manifestDigest ?? null,
        rebuilt: rebuilt.map((manifests) => manifests.get(key) ?? null),
        baselines: {
          static_rules: routers.static_rules(trace, action),
          risk_score: routers.risk_score(trace, action),
          no_externality: routers.no_externality(trace, action),
        },
      };
    }),
  );
  return {
    dataDir,
    actions,
    obligations: corpus.traces.flatMap((trace) => obligationResults(trace, built)),
    rejectedSessions: [...integrity.rejectedSessions].sort(),
    seconds: (Date.now() - started) / 1000,
  };
}

function actionsOf(trace: CorpusTrace): CorpusAction[] {
  return trace.steps.filter((step): step is CorpusAction => step.kind === 'action');
}

function viewOf(evidence: Evidence, key: string): BundleView | null {
  const found = evidence.actions.get(key);
  return found ? view(found.proof) : null;
}

function view({ summary }: ActionProof): BundleView {
  const { completeness } = summary;
  return {
    route: summary.route,
    rho: completeness.rho,
    expected: completeness.expected,
    missing: completeness.missing,
    closed: completeness.observed.includes('closure'),
  };
}

function obligationResults(trace: CorpusTrace, evidence: Evidence): ObligationResult[] {
  const seal = evidence.seals.get(trace.session_id);
  return trace.obligations.map((gold) => {
    const creator = actionsOf(trace).find((a) => a.step === gold.created_by);
    const found = seal?.obligations?.find(
      (o) => o.rule_id === gold.rule && o.created_by === creator?.action_id,
    );
    return {
      seed: trace.seed,
      family: trace.family,
      rule: gold.rule,
      gold: gold.status,
      actual: found?.status ?? null,
    };
  });
}
