// The bundle contract as JSON Schema (ajv), beside the types in bundle.ts: a payload is the canonical JSON of
// an in-toto Statement v1 carrying an ActionProof or a SessionSeal, shaped as bundle.ts says. The verifier's
// statement_format check is this parse; later checks and the SQL tables rely on the shape it guarantees.
import { Ajv } from 'ajv';

import {
  APPROVAL_DECISIONS,
  BUNDLE_SCHEMA_VERSION,
  CHECKPOINTS,
  EDGE_TYPES,
  OBLIGATION_STATUSES,
  OUTCOMES,
  SEAL_REASONS,
  STATEMENT_TYPE,
  type ActionProof,
  type SessionSeal,
  type Statement,
} from './bundle.js';
import { canonicalize } from './digest.js';
import { ProoflineError } from './errors.js';
import { ENFORCEABILITY_CLASSES, ROUTES } from './guard.js';
import { RUNTIME_FAMILIES } from './observation.js';
import { ACTION_PREDICATE_TYPES, predicateKind, SEAL_PREDICATE_TYPES } from './type-uris.js';

export type ParsedStatement =
  { kind: 'action'; statement: Statement<ActionProof> } | { kind: 'seal'; statement: Statement<SessionSeal> };

/** A DSSE payload that is not a bundle statement of this schema. */
export class StatementFormatError extends ProoflineError<'STATEMENT_FORMAT'> {
  constructor(message: string) {
    super('STATEMENT_FORMAT', message);
  }
}

const string = { type: 'string' };
const nullableString = { type: ['string', 'null'] };
/** A runtime time as RFC 3339 (UTC or an offset, up to nanoseconds): the verifier loads it as a TIMESTAMP, so a
 * time it could not read is a malformed statement rather than a silent null. */
const nullableTime = {
  type: ['string', 'null'],
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
};
/** Unix nanoseconds as a decimal string (the wire's form), loaded as a TIMESTAMP likewise. */
const nullableNanos = { type: ['string', 'null'], pattern: '^\\d{1,19}$' };
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const nullableSha256 = { anyOf: [sha256, { type: 'null' }] };
// Counts and positions fit the verifier's INTEGER columns; a larger one is a forgery, not a big session.
const count = { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 };
const checkpoint = { enum: CHECKPOINTS };
const enforceability = { enum: ENFORCEABILITY_CLASSES };

function object(properties: Record<string, object>): object {
  return { type: 'object', required: Object.keys(properties), properties };
}

function arrayOf(items: object): object {
  return { type: 'array', items };
}

/** `required` as `object` makes them, plus fields a later version added, checked only when present. */
function withOptional(required: Record<string, object>, optional: Record<string, object>): object {
  return { type: 'object', required: Object.keys(required), properties: { ...required, ...optional } };
}

const obligation = withOptional(
  {
    id: string,
    rule_id: string,
    status: { enum: OBLIGATION_STATUSES },
    due_unix_nano: nullableNanos,
  },
  {
    duty: string,
    created_by: string,
    discharged_by: nullableString,
    discharged_unix_nano: nullableNanos,
    waived_by: nullableString,
  },
);

const actionProof = object({
  summary: withOptional(
    {
      session_id: string,
      turn_id: nullableString,
      action_id: string,
      runtime_family: { enum: RUNTIME_FAMILIES },
      tool_name: nullableString,
      input_digest: nullableString,
      route: { enum: [...ROUTES, null] },
      enforceability: { enum: [...ENFORCEABILITY_CLASSES, null] },
      outcome: { enum: OUTCOMES },
      completeness: object({
        expected: arrayOf(checkpoint),
        observed: arrayOf(checkpoint),
        missing: arrayOf(checkpoint),
        rho: { type: 'number', minimum: 0, maximum: 1 },
      }),
      started_at: nullableTime,
      ended_at: nullableTime,
    },
    { tool_aliases: arrayOf(string) },
  ),
  evidence: object({
    receipts: arrayOf(
      object({
        checkpoint,
        index: count,
        status: { enum: ['present', 'missing'] },
        observations: arrayOf(
          object({ id: string, kind: string, name: string, source: string, time_unix_nano: string }),
        ),
        facts: { type: 'object' },
        previous: nullableSha256,
        digest: sha256,
      }),
    ),
    slice: withOptional(
      {
        roots: arrayOf(string),
        nodes: arrayOf(object({ id: string, kind: string, name: string, labels: arrayOf(string) })),
        edges: arrayOf(
          object({
            from: string,
            to: string,
            type: { enum: EDGE_TYPES },
          }),
        ),
      },
      { frontier: arrayOf(string) },
    ),
    approvals: arrayOf(
      object({
        source: string,
        decision: { enum: APPROVAL_DECISIONS },
        approver: nullableString,
        enforceability,
        observation: string,
      }),
    ),
    obligations: arrayOf(obligation),
  }),
  verification: object({
    checks: arrayOf(object({ name: string, ok: { type: 'boolean' }, detail: string })),
    completeness_verdict: { enum: ['complete', 'incomplete'] },
  }),
  manifest: object({
    schema_version: { const: BUNDLE_SCHEMA_VERSION },
    assembler_version: string,
    policy_digest: nullableString,
    signer_keyid: string,
    session_id: string,
    action_id: string,
    sequence: count,
    previous_bundle: nullableSha256,
    sections: object({ summary: sha256, evidence: sha256, verification: sha256 }),
  }),
});

const sessionSeal = withOptional(
  {
    schema_version: { const: BUNDLE_SCHEMA_VERSION },
    assembler_version: string,
    signer_keyid: string,
    session_id: string,
    runtime_family: { enum: RUNTIME_FAMILIES },
    count,
    merkle_root: sha256,
    last_bundle: nullableSha256,
    observations: object({ count, merkle_root: sha256 }),
    reason: { enum: SEAL_REASONS },
  },
  { obligations: arrayOf(obligation), late_records: count, quarantine: object({ reason: string }) },
);

function statementSchema(predicateTypes: readonly string[], predicate: object): object {
  return object({
    _type: { const: STATEMENT_TYPE },
    subject: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: object({ name: string, digest: object({ sha256 }) }),
    },
    predicateType: { enum: predicateTypes },
    predicate,
  });
}

// Union types (`["string", "null"]`) are how the contract spells optional facts; allow them explicitly.
const ajv = new Ajv({ allErrors: false, allowUnionTypes: true });
const validateAction = ajv.compile<Statement<ActionProof>>(
  statementSchema(ACTION_PREDICATE_TYPES, actionProof),
);
const validateSeal = ajv.compile<Statement<SessionSeal>>(statementSchema(SEAL_PREDICATE_TYPES, sessionSeal));

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a DSSE payload into the statement it carries; throws StatementFormatError naming the first problem. */
export function parseStatement(payload: Uint8Array): ParsedStatement {
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(payload);
    assertJsonDepth(text, MAX_JSON_DEPTH);
    value = JSON.parse(text);
  } catch (error) {
    throw new StatementFormatError(`payload is not UTF-8 JSON: ${(error as Error).message}`);
  }
  // Digests are defined over canonical bytes; a payload in any other form could hide a second reading.
  if (canonicalize(value) !== text)
    throw new StatementFormatError('payload is not canonical JSON (RFC 8785)');
  const predicateType = (value as { predicateType?: unknown }).predicateType;
  const kind = predicateKind(predicateType);
  if (kind === 'action') {
    if (!validateAction(value)) throw schemaError(validateAction.errors);
    const { summary, manifest } = value.predicate;
    if (manifest.session_id !== summary.session_id || manifest.action_id !== summary.action_id) {
      throw new StatementFormatError('manifest and summary name different actions');
    }
    return { kind: 'action', statement: value };
  }
  if (kind === 'seal') {
    if (!validateSeal(value)) throw schemaError(validateSeal.errors);
    return { kind: 'seal', statement: value };
  }
  throw new StatementFormatError(`unknown predicateType ${JSON.stringify(predicateType)}`);
}

/** Deeper than any bundle nests (statement → predicate → evidence → receipts → facts → values). */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws when `text` nests arrays and objects deeper than `max`: canonicalization and schema checks recurse,
 * and a payload of a million `[` must fail a check, not overflow the stack. A linear scan, strings skipped.
 */
export function assertJsonDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new SyntaxError(`nested deeper than ${max} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

function schemaError(errors: typeof validateAction.errors): StatementFormatError {
  const first = errors?.[0];
  return new StatementFormatError(`${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`);
}
