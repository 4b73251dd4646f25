// Seeds → traces, one per seed and runtime family, plus the index. Pure: the same seeds give the same bytes,
// which is what lets the committed traces be checked against a fresh generation.
import { RUNTIME_FAMILIES, type RuntimeFamily } from '../../schemas/observation.js';
import { BASE_TIME } from './clock.js';
import { codexEmitter } from './families/codex.js';
import { gatewayEmitter } from './families/gateway.js';
import { managedEmitter } from './families/managed.js';
import { sdkEmitter } from './families/sdk.js';
import type { FamilyEmitter } from './family.js';
import { formatJson } from './format.js';
import { goldLabels } from './gold.js';
import { planSession } from './plan.js';
import type { Seed } from './seed.js';
import type { CorpusAction, CorpusIndex, CorpusTrace, Telemetry } from './trace.js';

export const POLICY_FILE = 'test/corpus/policy.yaml';
export const INDEX_FILE = 'index.json';

const EMITTERS: Record<RuntimeFamily, FamilyEmitter> = {
  tool_hook: codexEmitter,
  framework_sdk: sdkEmitter,
  managed_platform: managedEmitter,
  gateway: gatewayEmitter,
};

/** `seedIndex` places the seed's session in hour `seedIndex` after BASE_TIME. */
export function generateTrace(seed: Seed, seedIndex: number, family: RuntimeFamily): CorpusTrace {
  const plan = planSession(seed, seedIndex, family);
  const emitter = EMITTERS[family];
  const telemetry = (items: Telemetry[]) => (items.length > 0 ? [{ kind: 'telemetry' as const, items }] : []);
  const actions = plan.steps.map((step): CorpusAction => {
    const { decide, executed, refused, dropped } = emitter.action(plan, step);
    return {
      kind: 'action',
      step: step.step.id,
      action_id: step.actionId,
      decide,
      ...(step.step.approval ? { approval: step.step.approval } : {}),
      executed,
      refused,
      gold: goldLabels(family, step.step, dropped, seed.tamper?.step === step.step.id),
    };
  });
  return {
    seed: seed.id,
    family,
    session_id: plan.sessionId,
    covers: seed.covers,
    steps: [...telemetry(emitter.sessionStart(plan)), ...actions, ...telemetry(emitter.sessionEnd(plan))],
    obligations: seed.obligations,
    ...(seed.tamper ? { tamper: seed.tamper } : {}),
  };
}

/** Every file of test/corpus/traces/, by path relative to it, with its exact text. */
export function generateCorpus(seeds: readonly Seed[]): Map<string, string> {
  const files = new Map<string, string>();
  const index: CorpusIndex = { policy: POLICY_FILE, base_time: BASE_TIME, seeds: seeds.length, traces: [] };
  seeds.forEach((seed, seedIndex) => {
    for (const family of RUNTIME_FAMILIES) {
      const trace = generateTrace(seed, seedIndex, family);
      const file = `${seed.id}/${family}.json`;
      files.set(file, formatJson(trace));
      index.traces.push({
        seed: seed.id,
        family,
        file,
        session_id: trace.session_id,
        covers: trace.covers,
        actions: trace.steps.filter((step) => step.kind === 'action').length,
      });
    }
  });
  files.set(INDEX_FILE, formatJson(index));
  return files;
}
