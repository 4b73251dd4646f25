// The action certificate (ARCHITECTURE.md §5): for one tool call, the five receipts in order, each present or
// missing, naming the observations behind it and the facts they establish, hash-linked into a chain; plus
// what follows from them (route, enforceability, outcome, completeness).
import {
  CHECKPOINTS,
  receiptDigest,
  type Approval,
  type ApprovalReceiptFacts,
  type Checkpoint,
  type Completeness,
  type ObservationRef,
  type Outcome,
  type Receipt,
} from '../schemas/bundle.js';
import type { ApprovalGrantEnvelope } from '../schemas/approval-grant.js';
import { completenessRatio, expectedReceipts } from '../schemas/completeness.js';
import { ROUTES, stricterRoute, type EnforceabilityClass, type Route } from '../schemas/guard.js';
import type { Observation, ObservationKind, RuntimeFamily } from '../schemas/observation.js';
import { toolNames } from '../schemas/tool-names.js';
import { boolAttr, firstString, jsonAttr, stringAttr } from './attrs.js';
import { UNKNOWN_AUTHORITY, type Authority } from './authority.js';
import { compareNanos, isRuntimeTime, nanosToRfc3339 } from './time.js';
import { ATTR } from '../schemas/attributes.js';

export interface ActionCertificate {
  sessionId: string;
  actionId: string;
  turnId: string | null;
  runtimeFamily: RuntimeFamily;
  /** Canonical (schemas/tool-names.ts); the runtime's other names for it in `toolAliases`. */
  toolName: string | null;
  toolAliases: string[];
  inputDigest: string | null;
  route: Route | null;
  enforceability: EnforceabilityClass | null;
  outcome: Outcome;
  completeness: Completeness;
  receipts: Receipt[];
  approvals: Approval[];
  policyDigest: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Some record of the call's tool exists (a result, or an execution): a guard receipt was then due. */
  toolRan: boolean;
  /** Some record proves the tool actually executed (`proofline.execution=true`). */
  executed: boolean;
  /** The closure rests on an absence (non-execution proof): only as strong as the session's completeness. */
  closureByAbsence: boolean;
  /** Closed only by a hook's report of a runtime that also reports results in its own telemetry (Codex's
   * PostToolUse, without `codex.tool_result` yet): the outcome (the exit code) is still to come. */
  awaitsRuntimeResult: boolean;
}

/**
 * `observations` are the action's records in timeline order (their order in each receipt); `authority` is the
 * session's approval and sandbox policy in force when the action began (authority.ts). Throws nothing for
 * missing evidence: a missing receipt is a result, not an error.
 */
export function certifyAction(
  sessionId: string,
  actionId: string,
  observations: readonly Observation[],
  authority: Authority = UNKNOWN_AUTHORITY,
): ActionCertificate {
  const ofKind = (...kinds: ObservationKind[]) => observations.filter((o) => kinds.includes(o.kind));
  const guards = ofKind('guard_decision');
  const approvalRecords = ofKind('approval');
  const executions = observations.filter((o) => boolAttr(o, ATTR.execution) === true);
  const closingResults = ofKind('tool_result').filter(
    (o) => boolAttr(o, ATTR.execution) === true || boolAttr(o, ATTR.success) !== undefined,
  );
  // The runtime refused the call itself (Codex's exec policy, an escalation under approval `never`, a denied
  // PermissionRequest): nothing ran, and no approval record is owed for a call that never got that far.
  const runtimeRefusals = ofKind('tool_result').filter((o) => boolAttr(o, ATTR.runtimeRefused) === true);

  const route = strictestRoute(guards);
  const decidingGuard = guards.find((g) => stringAttr(g, ATTR.route) === route);
  // The call was refused and nothing shows it ran: the guard said no (a block, an approval gate no grant
  // lifted, a simulation with no dry-run form), or an approval was denied or expired (proofline's, or the
  // runtime's own confirmation). A post-hoc decision refuses nothing: the call had already run.
  const liftedByGrant = guards.some((g) => stringAttr(g, ATTR.verdict) === 'allow');
  const refusals = [
    ...guards.filter(
      (g) =>
        !liftedByGrant &&
        stringAttr(g, ATTR.verdict) === 'deny' &&
        stringAttr(g, ATTR.enforceability) !== 'post_hoc_observed',
    ),
    ...approvalRecords.filter((a) =>
      ['denied', 'expired'].includes(stringAttr(a, ATTR.approvalDecision) ?? ''),
    ),
    ...runtimeRefusals,
  ];
  const nonExecutionProof = refusals.length > 0 && executions.length === 0;
  const approvals = approvalRecords.flatMap(toApproval);

  const drafts: Record<Checkpoint, ReceiptDraft> = {
    admissibility: decidingGuard ? admissibilityReceipt(guards, decidingGuard) : missing(['guard_decision']),
    open: openReceipt(observations),
    assumption: assumptionReceipt(ofKind('assumption'), authority),
    approval:
      approvalRecords.length > 0 ? approvalReceipt(approvalRecords, approvals) : missing(['approval']),
    closure:
      closingResults.length > 0
        ? executionClosure(closingResults, ofKind('tool_result'))
        : nonExecutionProof
          ? nonExecutionClosure(route, refusals, ofKind('tool_result'))
          : missing(['tool_result']),
  };
  const receipts = chainReceipts(drafts);

  const observed = receipts.filter((r) => r.status === 'present').map((r) => r.checkpoint);
  const runtimeFamily = observations[0]!.runtime_family;
  const outcome = outcomeOf(closingResults, nonExecutionProof);
  const tool = toolNames(
    runtimeFamily,
    observations.map((o) => stringAttr(o, ATTR.toolName)).filter((name) => name !== undefined),
  );
  // Only a call closed by its non-execution (outcome blocked) owes the refused set, as the verifier recomputes
  // it: a refused call that nonetheless executed, or whose runtime reported a result for it (Codex logs a
  // failed tool_result for a denied permission request), is held to everything an executed call owes.
  const expected = expectedReceipts(runtimeFamily, {
    refused: outcome === 'blocked',
    gated: route === 'approval_gate',
  });
  const times = observations
    .map((o) => o.time_unix_nano)
    .filter(isRuntimeTime)
    .sort(compareNanos);

  return {
    sessionId,
    actionId,
    turnId: observations.find((o) => o.turn_id !== undefined)?.turn_id ?? null,
    runtimeFamily,
    toolName: tool.canonical,
    toolAliases: tool.aliases,
    inputDigest: firstString(observations, ATTR.inputDigest),
    route,
    enforceability: enforceabilityOf(decidingGuard, route, approvals, authority),
    outcome,
    completeness: {
      expected,
      observed,
      missing: expected.filter((c) => !observed.includes(c)),
      rho: completenessRatio(expected, observed),
    },
    receipts,
    approvals,
    policyDigest: decidingGuard ? (stringAttr(decidingGuard, ATTR.policyDigest) ?? null) : null,
    startedAt: times.length > 0 ? nanosToRfc3339(times[0]!) : null,
    endedAt: times.length > 0 ? nanosToRfc3339(times[times.length - 1]!) : null,
    toolRan:
      ofKind('tool_result').some((o) => boolAttr(o, ATTR.runtimeRefused) !== true) || executions.length > 0,
    executed: executions.length > 0,
    closureByAbsence: closingResults.length === 0 && nonExecutionProof,
    awaitsRuntimeResult:
      runtimeFamily === 'tool_hook' &&
      closingResults.length > 0 &&
      closingResults.every((o) => o.source === 'hook'),
  };
}

export function observationRef(obs: Observation): ObservationRef {
  return {
    id: obs.id,
    kind: obs.kind,
    name: obs.name,
    source: obs.source,
    time_unix_nano: obs.time_unix_nano,
  };
}

interface ReceiptDraft {
  observations: readonly Observation[];
  facts: Record<string, unknown>;
}

function chainReceipts(drafts: Record<Checkpoint, ReceiptDraft>): Receipt[] {
  const receipts: Receipt[] = [];
  let previous: string | null = null;
  CHECKPOINTS.forEach((checkpoint, index) => {
    const draft = drafts[checkpoint];
    const body = {
      checkpoint,
      index,
      status: draft.observations.length > 0 ? ('present' as const) : ('missing' as const),
      observations: draft.observations.map(observationRef),
      facts: draft.facts,
      previous,
    };
    const digest = receiptDigest(body);
    receipts.push({ ...body, digest });
    previous = digest;
  });
  return receipts;
}

/** A missing receipt names the records that would have proven it. */
function missing(sought: ObservationKind[]): ReceiptDraft {
  return { observations: [], facts: { sought } };
}

function admissibilityReceipt(guards: readonly Observation[], deciding: Observation): ReceiptDraft {
  // Stored only when the operator opted into content; absent, the facts (and their digest) are as before.
  const request = jsonAttr(deciding, ATTR.guardRequest);
  return {
    observations: guards,
    facts: {
      route: stringAttr(deciding, ATTR.route) ?? null,
      verdict: stringAttr(deciding, ATTR.verdict) ?? null,
      reason: stringAttr(deciding, ATTR.reason) ?? null,
      deciding_rule: stringAttr(deciding, ATTR.rule) ?? null,
      matched_rules: jsonAttr(deciding, ATTR.matchedRules) ?? [],
      policy_digest: stringAttr(deciding, ATTR.policyDigest) ?? null,
      decision_observation: deciding.id,
      ...(request === undefined ? {} : { request }),
    },
  };
}

/** The strongest evidence the call was opened: the runtime starting it, approving it, or proposing it. */
function openReceipt(observations: readonly Observation[]): ReceiptDraft {
  const family = observations[0]!.runtime_family;
  const started = observations.filter((o) => o.kind === 'tool_started');
  const approved = observations.filter(
    (o) => o.kind === 'approval' && stringAttr(o, ATTR.approvalDecision) === 'approved',
  );
  const proposed = observations.filter((o) => o.kind === 'tool_proposed');
  const via =
    started.length > 0
      ? 'tool_started'
      : approved.length > 0
        ? 'approval'
        : proposed.length > 0
          ? 'tool_proposed'
          : null;
  if (via === null) return missing(['tool_started', 'approval', 'tool_proposed']);
  const supporting = observations.filter(
    (o) => started.includes(o) || approved.includes(o) || proposed.includes(o),
  );
  return {
    observations: supporting,
    facts: {
      via,
      tool_name: toolNames(
        family,
        supporting.map((o) => stringAttr(o, ATTR.toolName)).filter((name) => name !== undefined),
      ).canonical,
      input_digest: firstString(supporting, ATTR.inputDigest),
    },
  };
}

// The session's config records are not the action's, so they do not make the receipt present; their policies
// sit beside the hook's permission_mode as the authority the call was allowed under.
function assumptionReceipt(assumptions: readonly Observation[], authority: Authority): ReceiptDraft {
  if (assumptions.length === 0) return missing(['assumption']);
  return {
    observations: assumptions,
    facts: {
      cwd: firstString(assumptions, ATTR.cwd),
      git_head: firstString(assumptions, ATTR.gitHead),
      permission_mode: firstString(assumptions, ATTR.permissionMode),
      approval_policy: authority.approval_policy,
      sandbox_policy: authority.sandbox_policy,
      model: firstString(assumptions, ATTR.model),
      files: assumptions.map((a) => jsonAttr(a, ATTR.files)).find((f) => f !== undefined) ?? [],
    },
  };
}

function approvalReceipt(records: readonly Observation[], approvals: readonly Approval[]): ReceiptDraft {
  // The signed grants behind `proofline approve` answers, as signed: an auditor checks them offline
  // (`approval_signature`). Absent when there are none, so other receipts keep their digests.
  const grants = records
    .map((r) => jsonAttr(r, ATTR.approvalGrant) as ApprovalGrantEnvelope | undefined)
    .filter((g) => g !== undefined);
  const facts: ApprovalReceiptFacts = {
    ...(grants.length === 0 ? {} : { grants }),
    // One denial outweighs any number of approvals; a wait that expired answered nothing.
    decision: approvals.some((a) => a.decision === 'denied')
      ? 'denied'
      : approvals.some((a) => a.decision === 'approved')
        ? 'approved'
        : approvals.length > 0
          ? 'expired'
          : null,
    sources: [...new Set(approvals.map((a) => a.source))],
    enforceability: [...new Set(approvals.map((a) => a.enforceability))],
  };
  return { observations: records, facts: { ...facts } };
}

// Closure cites every result record of the call, including notices that prove nothing by themselves
// (Codex's `codex.tool_result_ready`), so each of the action's own records stands behind some receipt.
function executionClosure(
  results: readonly Observation[],
  resultRecords: readonly Observation[],
): ReceiptDraft {
  const successes = results.map((r) => boolAttr(r, ATTR.success)).filter((s) => s !== undefined);
  return {
    observations: resultRecords,
    facts: {
      kind: 'execution',
      executed: results.some((r) => boolAttr(r, ATTR.execution) === true),
      success: successes.length === 0 ? null : successes.every((s) => s),
      ...exitCodeFact(results),
      output_digest: firstString(results, ATTR.outputDigest),
      duration_ms: firstString(results, 'duration_ms'),
    },
  };
}

function nonExecutionClosure(
  route: Route | null,
  refusals: readonly Observation[],
  resultNotices: readonly Observation[],
): ReceiptDraft {
  const byRuntime = refusals.some((r) => boolAttr(r, ATTR.runtimeRefused) === true);
  return {
    observations: [...new Set([...refusals, ...resultNotices])],
    facts: {
      kind: 'non_execution',
      result_notices: resultNotices.length,
      route,
      execution_records: 0,
      // Stated, not implied, so a reader knows this closure is an absence claim over the session's records.
      proof: byRuntime
        ? 'refusal recorded (deny decision, denied/expired approval, or the runtime refusing the call itself) and no observation of this action has proofline.execution=true'
        : 'refusal recorded (deny decision or denied/expired approval) and no observation of this action has proofline.execution=true',
      ...(byRuntime ? { refused_by_runtime: true } : {}),
    },
  };
}

/** The exit code the results agree on; absent when none reported one (receipts made before exit codes were
 * read keep their digests). */
function exitCodeFact(results: readonly Observation[]): { exit_code?: number } {
  const codes = [...new Set(results.map((r) => r.attrs[ATTR.exitCode]).filter((c) => typeof c === 'number'))];
  return codes.length === 1 ? { exit_code: codes[0]! } : {};
}

function toApproval(obs: Observation): Approval[] {
  const decision = stringAttr(obs, ATTR.approvalDecision);
  if (decision !== 'approved' && decision !== 'denied' && decision !== 'expired') return [];
  const source = stringAttr(obs, ATTR.approvalSource) ?? obs.name;
  return [
    {
      source,
      decision,
      approver: stringAttr(obs, ATTR.approvalApprover) ?? null,
      enforceability: approvalEnforceability(obs, source),
      observation: obs.id,
    },
  ];
}

const PERMISSION_REQUEST = 'PermissionRequest hook';

// A PermissionRequest hook answers on the runtime's behalf but proofline cannot see it enforced; a decision
// the runtime records itself (Codex's tool_decision, source Config) is enforced by the runtime.
function approvalEnforceability(obs: Observation, source: string): EnforceabilityClass {
  const explicit = stringAttr(obs, ATTR.enforceability);
  if (isEnforceability(explicit)) return explicit;
  return source === PERMISSION_REQUEST ? 'approval_orchestrated' : 'runtime_enforced';
}

function enforceabilityOf(
  guard: Observation | undefined,
  route: Route | null,
  approvals: readonly Approval[],
  authority: Authority,
): EnforceabilityClass {
  // No guard receipt: the runtime ran without proofline's hook (e.g. untrusted hooks are skipped silently).
  if (guard === undefined || route === null) return 'post_hoc_observed';
  if (route === 'approval_gate' && approvals.length > 0) {
    return approvals.some((a) => a.enforceability === 'approval_orchestrated')
      ? 'approval_orchestrated'
      : 'runtime_enforced';
  }
  // An escalation the PermissionRequest answer let through ran outside the sandbox, on that answer.
  if (approvals.some((a) => a.source === PERMISSION_REQUEST && a.decision === 'approved'))
    return 'approval_orchestrated';
  const explicit = stringAttr(guard, ATTR.enforceability);
  // A decision that let the call through counting on the sandbox holds only if the sandbox in force, as the
  // runtime's own session record says (authority.ts), is the one the decision read (from the transcript).
  const relied = stringAttr(guard, ATTR.sandboxPolicy);
  if (
    explicit === 'runtime_enforced' &&
    stringAttr(guard, ATTR.verdict) === 'allow' &&
    relied !== undefined &&
    authority.sandbox_policy !== null &&
    authority.sandbox_policy !== relied
  )
    return 'advisory';
  if (isEnforceability(explicit)) return explicit;
  // warn lets the call through with a message: nothing is enforced.
  return route === 'warn' ? 'advisory' : 'runtime_enforced';
}

function outcomeOf(results: readonly Observation[], nonExecutionProof: boolean): Outcome {
  if (results.length === 0) return nonExecutionProof ? 'blocked' : 'unknown';
  const successes = results.map((r) => boolAttr(r, ATTR.success));
  if (successes.includes(false)) return 'failed';
  return successes.includes(true) ? 'succeeded' : 'unknown';
}

/** Strictest route among the guard decisions; unrecognized routes were rejected at intake. */
function strictestRoute(guards: readonly Observation[]): Route | null {
  let route: Route | null = null;
  for (const guard of guards) {
    const value = stringAttr(guard, ATTR.route);
    if (!isRoute(value)) continue;
    route = route === null ? value : stricterRoute(route, value);
  }
  return route;
}

function isRoute(value: string | undefined): value is Route {
  return (ROUTES as readonly string[]).includes(value ?? '');
}

function isEnforceability(value: string | undefined): value is EnforceabilityClass {
  return ['runtime_enforced', 'approval_orchestrated', 'advisory', 'post_hoc_observed'].includes(value ?? '');
}
