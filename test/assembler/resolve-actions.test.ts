// Which call an approval without a call id belongs to (assembler/session.ts#resolveActions): the first call
// of its turn, by id, that ran the same command and has no approval joined yet, else the first such call.
// Checked against that definition, searched plainly, on random sessions; and at a size the plain search took
// quadratic time over (one command repeated in a turn thousands of times).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { resolveActions } from '../../assembler/session.js';
import { ATTR } from '../../schemas/attributes.js';
import { OBSERVATION_SCHEMA, type Observation } from '../../schemas/observation.js';

function observation(i: number, fields: Partial<Observation>, attrs: Observation['attrs']): Observation {
  return {
    id: `obs-${String(i).padStart(6, '0')}`,
    schema: OBSERVATION_SCHEMA,
    source: 'hook',
    runtime_family: 'tool_hook',
    session_id: 's',
    kind: 'other',
    name: 'x',
    time_unix_nano: String(i),
    observed_unix_nano: String(i),
    attrs,
    raw_digest: '0'.repeat(64),
    ...fields,
  };
}

/** The definition, with every search done from scratch. */
function reference(observations: readonly Observation[]): Map<string, string> {
  const actionOf = new Map<string, string>();
  const key = (o: Observation) =>
    o.turn_id === undefined || typeof o.attrs[ATTR.inputDigest] !== 'string'
      ? undefined
      : `${o.turn_id}/${String(o.attrs[ATTR.inputDigest])}`;
  for (const o of observations) if (o.action_id !== undefined) actionOf.set(o.id, o.action_id);
  const joined = new Set<string>();
  for (const o of observations) {
    if (o.action_id !== undefined || o.kind !== 'approval') continue;
    const k = key(o);
    if (k === undefined) continue;
    const matches = [
      ...new Set(
        observations.filter((c) => c.action_id !== undefined && key(c) === k).map((c) => c.action_id!),
      ),
    ].sort();
    const target = matches.find((a) => !joined.has(a)) ?? matches[0];
    if (target === undefined) continue;
    actionOf.set(o.id, target);
    joined.add(target);
  }
  return actionOf;
}

const sessions = fc.array(
  fc.record({
    approval: fc.boolean(),
    call: fc.constantFrom('call_a', 'call_b', 'call_c', 'call_d'),
    turn: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
    digest: fc.option(fc.constantFrom('d1', 'd2'), { nil: undefined }),
  }),
  { maxLength: 30 },
);

function build(specs: { approval: boolean; call: string; turn?: string; digest?: string }[]): Observation[] {
  return specs.map(({ approval, call, turn, digest }, i) =>
    observation(
      i,
      approval ? { kind: 'approval', turn_id: turn } : { action_id: call, turn_id: turn },
      digest === undefined ? {} : { [ATTR.inputDigest]: digest },
    ),
  );
}

describe('resolveActions', () => {
  it('joins each approval to the call the definition names', () => {
    fc.assert(
      fc.property(sessions, (specs) => {
        const observations = build(specs);
        expect(resolveActions(observations)).toEqual(reference(observations));
      }),
      { numRuns: 2000 },
    );
  });

  it('joins 20,000 approvals to 20,000 calls of one command in one turn, one each', () => {
    const specs = Array.from({ length: 40_000 }, (_, i) => ({
      approval: i % 2 === 1,
      call: `call_${String(Math.floor(i / 2)).padStart(6, '0')}`,
      turn: 't1',
      digest: 'same',
    }));
    const actionOf = resolveActions(build(specs));
    const joinedTo = build(specs)
      .filter((o) => o.kind === 'approval')
      .map((o) => actionOf.get(o.id));
    expect(new Set(joinedTo).size).toBe(20_000);
  });
});
