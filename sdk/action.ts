// An action is one tool call, carried by one `execute_tool <tool>` span (schemas/spans.md, "What proofline/sdk
// emits"): created before the call is guarded, given assumption events while it is considered, ended by its
// outcome. Only `@opentelemetry/api` is used, so the spans go wherever the application's own OpenTelemetry
// setup (or `startProofline`) sends them.
import { randomUUID } from 'node:crypto';

import { isSpanContextValid, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

import { toolInputDigest } from '../schemas/digest.js';
import { outputDigest } from './digest.js';
import { ProoflineError } from './errors.js';
import { ATTR, SPAN } from '../schemas/attributes.js';

const TRACER_NAME = 'proofline/sdk';

export interface Action {
  readonly id: string;
  readonly sessionId: string;
  readonly turnId?: string;
  readonly tool: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The action's `execute_tool` span; make it active to parent the tool's own spans under it. */
  readonly span: Span;
}

export interface CreateActionOptions {
  /** The tool as the runtime names it (`Bash`, `shell`, `search_files`). */
  tool: string;
  /** The tool's arguments; `command` (string) is the shell command the policy judges. */
  input: Record<string, unknown>;
  sessionId: string;
  turnId?: string;
  /** Default: a random UUID. */
  actionId?: string;
  /** Actions (or refs: `action:<id>`, an observation id, `span:<trace_id>/<span_id>`) this one uses output of. */
  dependsOn?: ReadonlyArray<Action | string>;
  /** Send the arguments and output as `gen_ai.tool.call.arguments` / `.result`. Default: digests only. */
  storeContent?: boolean;
}

/** What is known about the world when the action is allowed: the assumption receipt. */
export interface AssumptionFacts {
  cwd?: string;
  gitHead?: string;
  /** Files the action reads or writes, with their content digest (`null`: the file does not exist). */
  files?: ReadonlyArray<{ path: string; sha256: string | null }>;
  model?: string;
  permissionMode?: string;
  /** Anything else the runtime believed, added to the event as attributes under the key as given. */
  [key: string]: string | ReadonlyArray<{ path: string; sha256: string | null }> | undefined;
}

export interface ActionOutcome {
  /** Whether the tool actually ran. `false`: it was proposed and did not run (denied, approval expired). */
  executed: boolean;
  success?: boolean;
  /** Digested into `proofline.output.digest`; the text itself is sent only with `storeContent`. */
  output?: string | object;
}

interface ActionState {
  ended: boolean;
  storeContent: boolean;
}

// Kept off the public Action so that its shape is only what a caller may rely on.
const states = new WeakMap<Action, ActionState>();

export function createAction(options: CreateActionOptions): Action {
  const { tool, input, sessionId, turnId, dependsOn = [], storeContent = false } = options;
  const id = options.actionId ?? randomUUID();
  requireText('tool', tool);
  requireText('sessionId', sessionId);
  requireText('actionId', id);
  if (turnId !== undefined) requireText('turnId', turnId);
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ProoflineError('INVALID_ARGUMENT', 'input must be an object of the tool arguments');
  const refs = dependsOn.map(dependencyRef);

  const attributes: Attributes = {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': tool,
    'gen_ai.tool.call.id': id,
    'gen_ai.conversation.id': sessionId,
    [SPAN.actionId]: id,
    [SPAN.sessionId]: sessionId,
    [ATTR.inputDigest]: toolInputDigest(input),
    ...(turnId === undefined ? {} : { [SPAN.turnId]: turnId }),
    ...(refs.length === 0 ? {} : { [SPAN.dependsOn]: refs }),
    ...(storeContent ? { 'gen_ai.tool.call.arguments': JSON.stringify(input) } : {}),
  };
  // startSpan parents the span on the active context by default.
  const span = trace.getTracer(TRACER_NAME).startSpan(`execute_tool ${tool}`, { attributes });
  const action: Action = { id, sessionId, ...(turnId === undefined ? {} : { turnId }), tool, input, span };
  states.set(action, { ended: false, storeContent });
  return action;
}

export function recordAssumption(action: Action, facts: AssumptionFacts): void {
  openState(action);
  const { cwd, gitHead, files, model, permissionMode, ...rest } = facts;
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(rest)) if (typeof value === 'string') attributes[key] = value;
  if (cwd !== undefined) attributes[ATTR.cwd] = cwd;
  if (gitHead !== undefined) attributes[ATTR.gitHead] = gitHead;
  if (files !== undefined) attributes[ATTR.files] = JSON.stringify(files.map(fileFact));
  if (model !== undefined) attributes[ATTR.model] = model;
  if (permissionMode !== undefined) attributes[ATTR.permissionMode] = permissionMode;
  action.span.addEvent(SPAN.assumptionEvent, attributes);
}

/** Records how the action ended and ends its span; an action has one outcome. */
export function updateOutcome(action: Action, outcome: ActionOutcome): void {
  const state = openState(action);
  const { executed, success, output } = outcome;
  if (typeof executed !== 'boolean')
    throw new ProoflineError('INVALID_ARGUMENT', 'outcome.executed must be a boolean');
  const { span } = action;
  span.setAttribute(ATTR.execution, executed);
  if (executed && success !== undefined) span.setAttribute(ATTR.success, success);
  if (output !== undefined) {
    span.setAttribute(ATTR.outputDigest, outputDigest(output));
    if (state.storeContent)
      span.setAttribute(
        'gen_ai.tool.call.result',
        typeof output === 'string' ? output : JSON.stringify(output),
      );
  }
  if (success === false) span.setStatus({ code: SpanStatusCode.ERROR });
  state.ended = true;
  span.end();
}

/** The action's state, as long as its outcome is not recorded yet. */
export function openState(action: Action): ActionState {
  const state = states.get(action);
  if (state === undefined) throw new ProoflineError('INVALID_ARGUMENT', 'not an action made by createAction');
  if (state.ended)
    throw new ProoflineError('ACTION_ENDED', `action ${action.id}: its outcome is already recorded`);
  return state;
}

/** An Action is named by its span (the assembler links span refs to the span's own records); a ref given
 * as text is passed through. Without a recording tracer the span has no ids: fall back to the action id. */
function dependencyRef(dependency: Action | string): string {
  if (typeof dependency === 'string') {
    requireText('dependsOn entry', dependency);
    return dependency;
  }
  const context = dependency.span.spanContext();
  return isSpanContextValid(context)
    ? `span:${context.traceId}/${context.spanId}`
    : `action:${dependency.id}`;
}

function fileFact(file: { path: string; sha256: string | null }): { path: string; sha256: string | null } {
  if (typeof file.path !== 'string' || (file.sha256 !== null && !/^[0-9a-f]{64}$/.test(file.sha256)))
    throw new ProoflineError('INVALID_ARGUMENT', 'files must be [{ path, sha256: 64 lowercase hex | null }]');
  return { path: file.path, sha256: file.sha256 };
}

function requireText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    throw new ProoflineError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
}
