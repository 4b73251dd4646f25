// Hook calls (Codex hook stdin through `proofline hook`, or `proofline.hook` spans from other tools) into
// Observations, per schemas/observations.md ("Codex 0.169.0 mapping", hook rows).
import { canonicalDigest, canonicalize, sha256Hex } from '../../schemas/digest.js';
import { ROUTES, type GuardDecision, type GuardRequest } from '../../schemas/guard.js';
import type { AttrValue, Observation, ObservationKind, RuntimeFamily } from '../../schemas/observation.js';
import type { DecisionContext } from '../../schemas/decision.js';
import {
  assertHookPayload,
  HookPayloadError,
  shellCommand,
  type HookContext,
  type HookPayload,
} from '../../schemas/hook.js';
import { permissionBehavior } from '../hook/output.js';
import { contentAttrs, contentJsonAttr, type ContentPolicy } from './content.js';
import { decisionAttrs } from './decision-attrs.js';
import { makeObservation } from './observation.js';
import { redactJson, redactSecrets } from '../../schemas/redact.js';
import { ATTR, SPAN } from '../../schemas/attributes.js';

export interface HookNormalizeOptions {
  runtimeFamily?: RuntimeFamily;
  /** The guard decision proofline (or the tool that sent the span) answered with. */
  decision?: GuardDecision;
  /** The session the decision was made in and what it did there (ancestry, approvals, obligations). */
  decisionContext?: DecisionContext;
  /** What the hook client saw locally (git HEAD, file digests). */
  context?: HookContext;
  storeContent: boolean;
  observedUnixNano: string;
}

// Fields holding what the agent read or wrote: stored as digests unless the operator opted in.
const CONTENT_FIELDS = new Set(['prompt', 'tool_input', 'tool_response', 'last_assistant_message']);

const KIND_OF_EVENT: Readonly<Record<string, ObservationKind>> = {
  SessionStart: 'session_start',
  UserPromptSubmit: 'prompt',
  PermissionRequest: 'approval',
  PostToolUse: 'tool_result',
  Stop: 'turn_end',
  SessionEnd: 'session_end',
};

export function normalizeHookCall(
  payload: Record<string, unknown>,
  options: HookNormalizeOptions,
): Observation[] {
  assertHookPayload(payload);
  const event = payload.hook_event_name;
  const content: ContentPolicy = { storeContent: options.storeContent };
  const input = toolInputDigest(payload);
  const rawDigest = canonicalDigest(payload);
  const sourceAttrs = { ...flattenPayload(payload, content), [ATTR.hookEvent]: event };
  const toolAttrs: Record<string, AttrValue> =
    input === undefined
      ? {}
      : { [ATTR.toolName]: stringField(payload, 'tool_name') ?? null, [ATTR.inputDigest]: input };

  const observe = (
    kind: ObservationKind,
    attrs: Record<string, AttrValue>,
    payloadDigest: string | undefined,
  ) =>
    makeObservation(
      {
        source: 'hook',
        runtime_family: options.runtimeFamily ?? 'tool_hook',
        session_id: payload.session_id,
        turn_id: stringField(payload, 'turn_id'),
        action_id: stringField(payload, 'tool_use_id'),
        kind,
        name: `hook:${event}`,
        time_unix_nano: '0', // hook stdin carries no time
        attrs: { ...sourceAttrs, ...attrs },
        payload_digest: payloadDigest,
        raw_digest: rawDigest,
      },
      options.observedUnixNano,
    );

  switch (event) {
    case 'PreToolUse':
      return [
        observe('tool_proposed', toolAttrs, input),
        ...(options.decision
          ? [
              observe(
                'guard_decision',
                {
                  ...toolAttrs,
                  // A guard that does not classify (the simple rule file) knows nothing a sandbox would stop:
                  // Codex enforces its deny, and nothing but the guard's word what it lets through.
                  ...decisionAttrs(
                    options.decision,
                    options.decision.verdict === 'deny' ? 'runtime_enforced' : 'advisory',
                    options.decisionContext,
                  ),
                  // The question the guard answered, so the verifier can replay the policy on it.
                  ...(options.decisionContext
                    ? contentJsonAttr(ATTR.guardRequest, options.decisionContext.request, content)
                    : {}),
                },
                input,
              ),
            ]
          : []),
        observe('assumption', { ...toolAttrs, ...assumptionAttrs(payload, options.context) }, input),
      ];
    case 'PermissionRequest': {
      // No tool_use_id on this event: the assembler joins it to its call by turn_id + proofline.input.digest.
      const behavior = options.decision ? permissionBehavior(options.decision) : undefined;
      return [
        observe(
          'approval',
          {
            ...toolAttrs,
            ...(options.decision
              ? decisionAttrs(options.decision, 'approval_orchestrated', options.decisionContext)
              : {}),
            [ATTR.enforceability]: 'approval_orchestrated',
            [ATTR.approvalSource]: 'PermissionRequest hook',
            // Absent when proofline left the decision to the runtime's own approval flow.
            ...(behavior ? { [ATTR.approvalDecision]: behavior === 'allow' ? 'approved' : 'denied' } : {}),
          },
          input,
        ),
      ];
    }
    case 'PostToolUse': {
      const output = outputDigest(payload.tool_response);
      return [
        observe(
          'tool_result',
          { ...toolAttrs, [ATTR.execution]: true, [ATTR.outputDigest]: output ?? null },
          output,
        ),
      ];
    }
    case 'UserPromptSubmit':
      return [observe('prompt', {}, textDigest(payload.prompt))];
    case 'Stop':
      return [observe('turn_end', {}, textDigest(payload.last_assistant_message))];
    default:
      return [observe(KIND_OF_EVENT[event] ?? 'other', toolAttrs, input)];
  }
}

/** The question the guard answers for a PreToolUse or PermissionRequest payload. */
export function guardRequestFromHook(
  payload: HookPayload,
  runtimeFamily: RuntimeFamily = 'tool_hook',
): GuardRequest {
  const toolInput = payload.tool_input;
  return {
    runtime_family: runtimeFamily,
    session_id: payload.session_id,
    event: payload.hook_event_name,
    turn_id: stringField(payload, 'turn_id'),
    action_id: stringField(payload, 'tool_use_id'),
    tool_name: stringField(payload, 'tool_name') ?? '',
    tool_input: isObject(toolInput) ? toolInput : {},
    command: shellCommand(payload),
    cwd: stringField(payload, 'cwd'),
    permission_mode: stringField(payload, 'permission_mode'),
    model: stringField(payload, 'model'),
    transcript_path: stringField(payload, 'transcript_path'),
  };
}

export interface HookSpanInput {
  attributes: Record<string, AttrValue>;
  runtimeFamily: RuntimeFamily;
  observedUnixNano: string;
  storeContent: boolean;
}

/** A `proofline.hook` span from a tool that runs hooks itself: normalized exactly like `proofline hook` calls. */
export function normalizeHookSpan(span: HookSpanInput): Observation[] {
  const event = span.attributes[ATTR.hookEvent];
  const payload = parseJsonObject(span.attributes[SPAN.hookPayload], SPAN.hookPayload);
  if (typeof event === 'string' && payload.hook_event_name === undefined) payload.hook_event_name = event;
  if (typeof event === 'string' && payload.hook_event_name !== event) {
    throw new HookPayloadError(
      `proofline.hook.event "${event}" disagrees with the payload's hook_event_name`,
    );
  }
  const decisionText = span.attributes[SPAN.hookDecision];
  return normalizeHookCall(payload, {
    runtimeFamily: span.runtimeFamily,
    decision:
      decisionText === undefined || decisionText === null ? undefined : parseGuardDecision(decisionText),
    storeContent: span.storeContent,
    observedUnixNano: span.observedUnixNano,
  });
}

// Equal to the OTLP normalizer's digest of `arguments.cmd`: sha256 of the exact command string, not its JSON.
function toolInputDigest(payload: Record<string, unknown>): string | undefined {
  const command = shellCommand(payload);
  if (command !== undefined) return sha256Hex(command);
  return payload.tool_input === undefined ? undefined : canonicalDigest(payload.tool_input);
}

function outputDigest(response: unknown): string | undefined {
  if (response === undefined || response === null) return undefined;
  return typeof response === 'string' ? sha256Hex(response) : canonicalDigest(response);
}

function textDigest(text: unknown): string | undefined {
  return typeof text === 'string' ? sha256Hex(text) : undefined;
}

/** The stdin fields as attributes: scalars as they are, structures as canonical JSON, content as digests,
 * every string redacted. */
function flattenPayload(payload: Record<string, unknown>, content: ContentPolicy): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (CONTENT_FIELDS.has(key) && value !== null && value !== undefined) {
      // Each tool_input field separately, so the command's digest is `tool_input.command.sha256`.
      const parts =
        key === 'tool_input' && isObject(value)
          ? Object.entries(value).map(([field, v]) => [`${key}.${field}`, v] as const)
          : [[key, value] as const];
      for (const [partKey, part] of parts)
        Object.assign(
          attrs,
          contentAttrs(partKey, typeof part === 'string' ? part : canonicalize(part), content),
        );
    } else if (typeof value === 'string') {
      attrs[key] = redactSecrets(value);
    } else if (value === null || typeof value === 'number' || typeof value === 'boolean') {
      attrs[key] = value;
    } else if (value !== undefined) {
      attrs[key] = canonicalize(redactJson(value));
    }
  }
  return attrs;
}

// Only what was actually seen: a field the runtime or the hook client did not report stays absent, not "unknown".
function assumptionAttrs(payload: HookPayload, context: HookContext | undefined): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  for (const [key, field] of [
    [ATTR.cwd, 'cwd'],
    [ATTR.permissionMode, 'permission_mode'],
    [ATTR.model, 'model'],
  ] as const) {
    const value = stringField(payload, field);
    if (value !== undefined) attrs[key] = redactSecrets(value);
  }
  if (context) {
    attrs[ATTR.gitHead] = context.git_head;
    attrs[ATTR.files] = canonicalize(context.files);
    attrs[ATTR.contextReadBy] = context.read_by ?? 'hook_client';
  }
  return attrs;
}

function parseJsonObject(text: AttrValue | undefined, what: string): Record<string, unknown> {
  if (typeof text !== 'string') throw new HookPayloadError(`${what} must be a JSON string`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HookPayloadError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw new HookPayloadError(`${what} must be a JSON object`);
  return value;
}

function parseGuardDecision(text: AttrValue): GuardDecision {
  const value = parseJsonObject(text, SPAN.hookDecision);
  const valid =
    ROUTES.includes(value.route as never) &&
    (value.verdict === 'allow' || value.verdict === 'deny') &&
    typeof value.reason === 'string' &&
    typeof value.policy_digest === 'string' &&
    Array.isArray(value.matched_rules) &&
    value.matched_rules.every((rule) => typeof rule === 'string') &&
    (value.deciding_rule === undefined || typeof value.deciding_rule === 'string');
  if (!valid)
    throw new HookPayloadError(
      'proofline.hook.decision is not a GuardDecision (route, verdict, reason, matched_rules, policy_digest)',
    );
  return value as unknown as GuardDecision;
}

function stringField(payload: Record<string, unknown>, key: string): string | undefined {
  const value = payload[key];
  return typeof value === 'string' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
