// The routing systems compared on the corpus besides proofline itself (whose routes come from the bundles the
// pipeline wrote): the two baselines, and proofline's own engine without externality context — the same
// policy and rules, but X(a) all unknown, no labels or data classes, no known dry-run form, no session
// ancestry. That ablation keeps what a rule can read off the command's words and loses what it means.
import { compilePolicy, loadPolicyFile, type CompiledPolicy } from '../policy/engine/index.js';
import type { ActionFacts } from '../policy/externality/classify.js';
import type { ExternalityContext, Route } from '../schemas/guard.js';
import { evalActionOf, guardRequestOf } from './action.js';
import { riskScoreRoute } from './baselines/risk-score.js';
import { staticRuleRoute } from './baselines/static-rules.js';
import type { CorpusAction, CorpusTrace } from './corpus/trace.js';

export type SystemName = 'proofline' | 'static_rules' | 'risk_score' | 'no_externality' | 'no_integrity';

/** A system that routes one action on its own, in process. */
export type RouteOf = (trace: CorpusTrace, action: CorpusAction) => Route;

export function baselineRouters(
  policyFile: string,
): Record<'static_rules' | 'risk_score' | 'no_externality', RouteOf> {
  const engine = compilePolicy(loadPolicyFile(policyFile));
  return {
    static_rules: (_trace, action) => staticRuleRoute(evalActionOf(action)),
    risk_score: (_trace, action) => riskScoreRoute(evalActionOf(action)),
    no_externality: (trace, action) => withoutExternality(engine, trace, action),
  };
}

function withoutExternality(engine: CompiledPolicy, trace: CorpusTrace, action: CorpusAction): Route {
  const request = guardRequestOf(trace, action);
  const facts = engine.classify(request);
  return engine.decideClassified(request, blind(facts)).route;
}

function blind(facts: ActionFacts): ActionFacts {
  const unknown = Object.fromEntries(
    Object.keys(facts.externality).map((field) => [field, 'unknown']),
  ) as unknown as ExternalityContext;
  return {
    ...facts,
    externality: unknown,
    commands: facts.commands.map((command) => ({ ...command, context: unknown, labels: [] })),
    labels: [],
    data_classes: [],
    reads: [],
    writes: [],
    dry_run_command: undefined,
  };
}
