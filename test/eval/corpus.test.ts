// The evaluation corpus (test/corpus/): enough seeds in every family, every scenario the issue names, the
// committed traces exactly what the generator writes today, every payload one ingest can read, and gold
// labels that agree with each other and with the policy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { generateCorpus, INDEX_FILE, POLICY_FILE } from '../../eval/corpus/generate.js';
import { COVERS, loadSeeds } from '../../eval/corpus/seed.js';
import type { CorpusAction, CorpusIndex, CorpusTrace, Telemetry } from '../../eval/corpus/trace.js';
import { decodeOtlp } from '../../ingest/otlp/decode.js';
import { CompiledPolicy } from '../../policy/engine/index.js';
import { loadGuard } from '../../policy/load.js';
import { CHECKPOINTS } from '../../schemas/bundle.js';
import { PRODUCIBLE_RECEIPTS } from '../../schemas/completeness.js';
import { RUNTIME_FAMILIES } from '../../schemas/observation.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(ROOT, 'test/corpus');
const TRACES = join(CORPUS, 'traces');

const seeds = loadSeeds(join(CORPUS, 'seeds'));
const generated = generateCorpus(seeds);
const traces = [...generated]
  .filter(([file]) => file !== INDEX_FILE)
  .map(([, text]) => JSON.parse(text) as CorpusTrace);
const actions = traces.flatMap((trace) =>
  trace.steps
    .filter((step): step is CorpusAction => step.kind === 'action')
    .map((action) => ({ trace, action })),
);

describe('evaluation corpus', () => {
  it('has at least 24 seeds of 1 to 5 steps, each in all four families', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(24);
    expect(traces.length).toBe(seeds.length * RUNTIME_FAMILIES.length);
    expect(traces.length).toBeGreaterThanOrEqual(96);
    for (const seed of seeds) {
      expect(seed.steps.length).toBeGreaterThanOrEqual(1);
      expect(seed.steps.length).toBeLessThanOrEqual(5);
      expect(
        traces
          .filter((t) => t.seed === seed.id)
          .map((t) => t.family)
          .sort(),
      ).toEqual([...RUNTIME_FAMILIES].sort());
    }
    expect(new Set(seeds.map((s) => s.steps.length)).size).toBeGreaterThan(2);
  });

  it('covers every scenario the issue names', () => {
    const covered = new Set(seeds.flatMap((seed) => seed.covers));
    expect([...COVERS].filter((cover) => !covered.has(cover))).toEqual([]);
    const steps = seeds.flatMap((seed) => seed.steps);
    for (const answer of ['approved', 'denied', 'expire'])
      expect(steps.some((step) => step.approval?.answer === answer)).toBe(true);
    for (const status of ['discharged', 'violated', 'waived'])
      expect(seeds.some((seed) => seed.obligations.some((o) => o.status === status))).toBe(true);
    for (const how of ['rewrite_summary', 'foreign_key'])
      expect(seeds.some((s) => s.tamper?.how === how)).toBe(true);
    expect(actions.some(({ action }) => action.gold.lost.length > 0)).toBe(true);
    // Exfiltration through an intermediate step: a blocked call depends on an earlier call that ran.
    expect(
      seeds.some((seed) =>
        seed.steps.some((step) => step.gold.route === 'block' && step.depends_on.length > 0),
      ),
    ).toBe(true);
    for (const route of ['allow', 'warn', 'simulate_first', 'approval_gate', 'block'])
      expect(steps.some((step) => step.gold.route === route)).toBe(true);
    expect(steps.some((step) => step.tool === 'mcp')).toBe(true);
    expect(steps.some((step) => !step.success)).toBe(true);
  });

  it('the committed traces are exactly a fresh generation', () => {
    const committed = existsSync(TRACES) ? listFiles(TRACES) : [];
    expect(committed).toEqual([...generated.keys()].sort());
    for (const [file, text] of generated) expect(readFileSync(join(TRACES, file), 'utf8'), file).toBe(text);
  });

  it('indexes every trace', () => {
    const index = JSON.parse(generated.get(INDEX_FILE) as string) as CorpusIndex;
    expect(index.policy).toBe(POLICY_FILE);
    expect(index.traces.map((entry) => entry.file)).toEqual(
      traces.map((trace) => `${trace.seed}/${trace.family}.json`),
    );
  });

  it('every OTLP body decodes as OTLP/JSON and every hook call is a Codex hook payload', () => {
    const telemetry = traces.flatMap((trace) =>
      trace.steps.flatMap((step): Telemetry[] =>
        step.kind === 'telemetry'
          ? step.items
          : [...step.executed, ...step.refused, ...(step.decide.via === 'hook' ? [step.decide] : [])].map(
              (item) => ('via' in item ? { kind: 'hook', body: item.body } : item),
            ),
      ),
    );
    expect(telemetry.length).toBeGreaterThan(0);
    for (const item of telemetry) {
      if (item.kind === 'otlp') {
        const decoded = decodeOtlp(Buffer.from(JSON.stringify(item.body)), 'json', item.signal);
        expect(decoded.signal).toBe(item.signal);
      } else {
        const hook = item.body.hook as Record<string, unknown>;
        expect(typeof hook.session_id).toBe('string');
        expect(typeof hook.hook_event_name).toBe('string');
      }
    }
  });

  it('names each session, trace and action once, and asks each family its own way', () => {
    expect(new Set(traces.map((t) => t.session_id)).size).toBe(traces.length);
    expect(new Set(actions.map(({ action }) => action.action_id)).size).toBe(actions.length);
    const via = {
      tool_hook: 'hook',
      framework_sdk: 'decide',
      gateway: 'decide',
      managed_platform: 'post_hoc',
    };
    for (const { trace, action } of actions) {
      expect(action.decide.via).toBe(via[trace.family]);
      if (action.decide.via === 'hook') {
        const hook = action.decide.body.hook as Record<string, unknown>;
        expect([hook.session_id, hook.tool_use_id, hook.hook_event_name]).toEqual([
          trace.session_id,
          action.action_id,
          'PreToolUse',
        ]);
      } else {
        const { session_id, action_id, runtime_family } = action.decide.body;
        expect([session_id, action_id, runtime_family]).toEqual([
          trace.session_id,
          action.action_id,
          trace.family,
        ]);
      }
    }
  });

  it('gold labels agree with each other', () => {
    for (const { trace, action } of actions) {
      const { gold } = action;
      const where = `${trace.seed}/${trace.family}/${action.step}`;
      const inOrder = (list: readonly string[]) =>
        CHECKPOINTS.filter((c) => list.includes(c)).join() === list.join();
      expect(inOrder(gold.expected_receipts), where).toBe(true);
      expect(inOrder(gold.lost), where).toBe(true);
      expect(
        gold.expected_receipts.every((c) => PRODUCIBLE_RECEIPTS[trace.family].includes(c)),
        where,
      ).toBe(true);
      expect(
        gold.lost.every((c) => gold.expected_receipts.includes(c)),
        where,
      ).toBe(true);
      expect(gold.closed, where).toBe(
        gold.expected_receipts.includes('closure') &&
          !gold.lost.includes('closure') &&
          trace.tamper?.step !== action.step,
      );
      if (action.approval) expect(gold.route, where).toBe('approval_gate');
      if (gold.refused) {
        expect(gold.lost, where).toEqual([]);
        if (trace.family === 'managed_platform') expect(action.approval?.answer, where).not.toBe('approved');
        else expect(['block', 'approval_gate', 'simulate_first'], where).toContain(gold.route);
      } else {
        expect(action.executed.length + gold.lost.length, where).toBeGreaterThan(0);
      }
      if (gold.route === 'block' && trace.family !== 'managed_platform')
        expect(gold.refused, where).toBe(true);
    }
  });

  it('the policy loads, and its rules name every gold obligation', () => {
    const guard = loadGuard(join(ROOT, POLICY_FILE));
    expect(guard).toBeInstanceOf(CompiledPolicy);
    const rules = (guard as CompiledPolicy).document.rules;
    expect(
      rules.some(
        (rule) => rule.modality === 'dispensation' && rule.waives?.includes('review-after-protected-push'),
      ),
    ).toBe(true);
    for (const seed of seeds) {
      for (const obligation of seed.obligations)
        expect(rules.some((rule) => rule.id === obligation.rule && rule.modality === 'obligation')).toBe(
          true,
        );
      if (seed.tamper) expect(seed.steps.map((s) => s.id)).toContain(seed.tamper.step);
    }
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}
