// The handover topic's records (a compacted Kafka topic beside the observations, one partition per
// observations partition): what an assembler that takes over a partition needs to go on with the sessions on
// it where the previous owner stopped, and who owns the partition. The records themselves (observations) are
// not in it: they stay on the observations topic, redelivered from the committed offset (assembler.ts, commit
// rule).
//
// Keys (JSON arrays, one topic for every consumer group of assemblers on the same observations):
// `[group, "session", session id]` → SessionHandover (the latest per session survives compaction);
// `[group, "owner"]` → OwnerMarker (who last claimed or released the partition in that group).
//
// The topic is input from the network, inside the same trust boundary as the observations topic (who can write
// one can write the other): a record that does not validate is skipped, never trusted. What a forged record can
// do is what a forged observation can do, and the verifier finds it: a chain prefix that no data directory
// holds breaks `session_chain`, a forged "sealed" leaves the session without a seal anywhere (reported unsealed),
// a forged signed record that a next owner writes fails the verifier's signature check.
import { Ajv } from 'ajv';

import { ProoflineError } from './errors.js';
import { identifierProblem } from './observation.js';
import { MAX_RECORD_BYTES } from './segment.js';

export const HANDOVER_SCHEMA = 'proofline.handover/v1';

/** An open session's chain so far (or that it is sealed), as its last owner left it. */
export interface SessionHandover {
  schema: typeof HANDOVER_SCHEMA;
  type: 'session';
  /** The consumer group of the assemblers that share the sessions. */
  group: string;
  session_id: string;
  /** The session's action bundles in chain order (sequence = index). Empty once sealed. */
  chain: { action_id: string; digest: string }[];
  /** The seal's digest once the session is sealed, else null. */
  sealed: string | null;
  late_records: number;
  /** The writer's read position on the partition: records before it were seen (and counted) by the writer. */
  read_offset: string;
  /** The signed records (envelope JSON, as in a segment) of the writer's last step for this session, published
   * before that step's segment write: a next owner that took over from a writer killed in between writes these
   * exact records instead of signing the actions again. */
  envelopes: string[];
}

/** Who owns the partition: `claimed` by a member while it works on it, `released` once it has stopped. */
export interface OwnerMarker {
  schema: typeof HANDOVER_SCHEMA;
  type: 'owner';
  group: string;
  member: string;
  state: 'claimed' | 'released';
}

export type HandoverRecord = SessionHandover | OwnerMarker;

export class InvalidHandoverError extends ProoflineError<'INVALID_HANDOVER'> {
  constructor(reason: string) {
    super('INVALID_HANDOVER', reason);
  }
}

/** Bounds a hostile record cannot push the reader past (one record is read whole into memory). */
const MAX_CHAIN = 100_000;
const MAX_ID = 1024;
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const id = { type: 'string', minLength: 1, maxLength: MAX_ID } as const;

const ajv = new Ajv({ allErrors: false, allowUnionTypes: true });
const validateSession = ajv.compile<SessionHandover>({
  type: 'object',
  additionalProperties: false,
  required: [
    'schema',
    'type',
    'group',
    'session_id',
    'chain',
    'sealed',
    'late_records',
    'read_offset',
    'envelopes',
  ],
  properties: {
    schema: { const: HANDOVER_SCHEMA },
    type: { const: 'session' },
    group: id,
    session_id: id,
    chain: {
      type: 'array',
      maxItems: MAX_CHAIN,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['action_id', 'digest'],
        properties: { action_id: id, digest: sha256 },
      },
    },
    sealed: { anyOf: [sha256, { type: 'null' }] },
    late_records: { type: 'integer', minimum: 0 },
    read_offset: { type: 'string', pattern: '^[0-9]{1,19}$' },
    envelopes: { type: 'array', maxItems: MAX_CHAIN, items: { type: 'string', maxLength: MAX_RECORD_BYTES } },
  },
});
const validateOwner = ajv.compile<OwnerMarker>({
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'type', 'group', 'member', 'state'],
  properties: {
    schema: { const: HANDOVER_SCHEMA },
    type: { const: 'owner' },
    group: id,
    member: id,
    state: { enum: ['claimed', 'released'] },
  },
});

export function sessionKey(group: string, sessionId: string): string {
  return JSON.stringify([group, 'session', sessionId]);
}

export function ownerKey(group: string): string {
  return JSON.stringify([group, 'owner']);
}

/** Reads one record of the handover topic; throws InvalidHandoverError naming the first problem. The key must
 * be the one the value calls for, so one session's record cannot stand in for (and compact away) another's. */
export function parseHandoverRecord(key: string | null, value: Buffer | null): HandoverRecord {
  if (key === null || value === null) throw new InvalidHandoverError('record without key or value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new InvalidHandoverError(`value is not JSON: ${(error as Error).message}`);
  }
  const type = (parsed as { type?: unknown } | null)?.type;
  if (type === 'owner') {
    if (!validateOwner(parsed)) throw schemaProblem(validateOwner.errors);
    if (ownerKey(parsed.group) !== key)
      throw new InvalidHandoverError('the key is not the owner key of its group');
    return parsed;
  }
  if (type !== 'session') throw new InvalidHandoverError(`unknown record type ${JSON.stringify(type)}`);
  if (!validateSession(parsed)) throw schemaProblem(validateSession.errors);
  if (sessionKey(parsed.group, parsed.session_id) !== key)
    throw new InvalidHandoverError('the key is not the key of the session the value names');
  const problem =
    identifierProblem(parsed.session_id) ??
    parsed.chain.map((link) => identifierProblem(link.action_id)).find((p) => p !== undefined);
  if (problem !== undefined) throw new InvalidHandoverError(`an identifier ${problem}`);
  if (parsed.sealed !== null && parsed.chain.length > 0)
    throw new InvalidHandoverError('a sealed session carries no chain');
  if (new Set(parsed.chain.map((link) => link.action_id)).size !== parsed.chain.length)
    throw new InvalidHandoverError('an action appears twice in the chain');
  return parsed;
}

function schemaProblem(errors: typeof validateSession.errors): InvalidHandoverError {
  const first = errors?.[0];
  return new InvalidHandoverError(
    first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'is invalid',
  );
}
