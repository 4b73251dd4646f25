// A question asked through POST /v1/decide (proofline/sdk's guard(), a gateway, a post-hoc check of a managed
// platform's call) and the answer given, as the `guard_decision` observation that is the action's
// admissibility receipt (schemas/spans.md, "The decide API").
import { canonicalDigest, toolInputDigest } from '../../schemas/digest.js';
import type { GuardDecision, GuardRequest } from '../../schemas/guard.js';
import { RUNTIME_FAMILIES, type Observation, type RuntimeFamily } from '../../schemas/observation.js';
import type { DecisionContext } from '../../schemas/decision.js';
import { contentJsonAttr, type ContentPolicy } from './content.js';
import { decisionAttrs } from './decision-attrs.js';
import { makeObservation } from './observation.js';
import { redactSecrets } from '../../schemas/redact.js';
import { ATTR } from '../../schemas/attributes.js';
import { ProoflineError } from '../../schemas/errors.js';
import { idsProblem } from './batch.js';

export type DecideMode = 'enforce' | 'post_hoc';

export interface DecideRequest {
  session_id: string;
  action_id: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  runtime_family: RuntimeFamily;
  turn_id?: string;
  cwd?: string;
  mcp_server?: string;
  model?: string;
  /** The runtime's clock when it asked, decimal nanoseconds; "0" when it did not say. */
  time_unix_nano: string;
  mode: DecideMode;
}

export class DecideRequestError extends ProoflineError<'DECIDE_REQUEST_INVALID'> {
  constructor(message: string) {
    super('DECIDE_REQUEST_INVALID', message);
  }
}

const REQUIRED_STRINGS = ['session_id', 'action_id', 'tool_name'] as const;
const OPTIONAL_STRINGS = ['turn_id', 'cwd', 'mcp_server', 'model'] as const;

export function readDecideRequest(body: unknown): DecideRequest {
  if (!isObject(body)) throw new DecideRequestError('body must be a JSON object');
  for (const field of REQUIRED_STRINGS)
    if (typeof body[field] !== 'string' || body[field] === '')
      throw new DecideRequestError(`${field} must be a non-empty string`);
  for (const field of OPTIONAL_STRINGS)
    if (body[field] !== undefined && typeof body[field] !== 'string')
      throw new DecideRequestError(`${field} must be a string`);
  const badId = idsProblem(body as { session_id: string; action_id: string; turn_id?: string });
  if (badId !== undefined) throw new DecideRequestError(badId);
  if (!isObject(body.tool_input)) throw new DecideRequestError('tool_input must be a JSON object');
  const family = body.runtime_family ?? 'framework_sdk';
  if (!RUNTIME_FAMILIES.includes(family as RuntimeFamily))
    throw new DecideRequestError(`runtime_family must be one of ${RUNTIME_FAMILIES.join(', ')}`);
  const time = body.time_unix_nano ?? '0';
  if (typeof time !== 'string' || !/^\d{1,20}$/.test(time))
    throw new DecideRequestError('time_unix_nano must be a decimal string of nanoseconds');
  const mode = body.mode ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'post_hoc')
    throw new DecideRequestError('mode must be "enforce" or "post_hoc"');
  const optional = Object.fromEntries(
    OPTIONAL_STRINGS.filter((field) => body[field] !== undefined).map((field) => [field, body[field]]),
  );
  return {
    ...(optional as Partial<DecideRequest>),
    session_id: body.session_id as string,
    action_id: body.action_id as string,
    tool_name: body.tool_name as string,
    tool_input: body.tool_input,
    runtime_family: family as RuntimeFamily,
    time_unix_nano: time,
    mode,
  };
}

export function guardRequestFromDecide(request: DecideRequest): GuardRequest {
  const command = request.tool_input.command;
  return {
    runtime_family: request.runtime_family,
    session_id: request.session_id,
    action_id: request.action_id,
    turn_id: request.turn_id,
    tool_name: request.tool_name,
    tool_input: request.tool_input,
    command: typeof command === 'string' ? command : undefined,
    cwd: request.cwd,
    mcp_server: request.mcp_server,
    model: request.model,
  };
}

export function decisionObservation(
  request: DecideRequest,
  decision: GuardDecision,
  context: DecisionContext,
  options: ContentPolicy & { observedUnixNano: string },
): Observation {
  const enforceability = request.mode === 'post_hoc' ? 'post_hoc_observed' : 'runtime_enforced';
  return makeObservation(
    {
      source: 'sdk',
      runtime_family: request.runtime_family,
      session_id: request.session_id,
      ...(request.turn_id === undefined ? {} : { turn_id: request.turn_id }),
      action_id: request.action_id,
      kind: 'guard_decision',
      name: `decide:${request.mode}`,
      time_unix_nano: request.time_unix_nano,
      attrs: {
        [ATTR.toolName]: redactSecrets(request.tool_name),
        [ATTR.inputDigest]: toolInputDigest(request.tool_input),
        ...(request.cwd === undefined ? {} : { [ATTR.cwd]: redactSecrets(request.cwd) }),
        ...decisionAttrs(decision, enforceability, context),
        ...contentJsonAttr(ATTR.guardRequest, context.request, options),
      },
      raw_digest: canonicalDigest(request),
    },
    options.observedUnixNano,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
