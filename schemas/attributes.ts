// Every `proofline.*` key, in one catalogue (like OpenTelemetry's semantic conventions): the attributes an
// Observation carries after normalization (schemas/observations.md has the prose), and the span attributes and
// event names runtimes send (schemas/spans.md). Code names keys through `ATTR` and `SPAN`, never as bare strings,
// so a key is spelled once.

/** Observation attributes (`Observation.attrs`), set by ingest and read by the assembler. */
export const ATTR = {
  // ---- tool calls ----
  /** string — the tool as the runtime names it on this record (`exec_command`, `Bash`); bundles name it by its
   * canonical name (schemas/tool-names.ts). */
  toolName: 'proofline.tool.name',
  /** string — sha256 of the command (or canonical arguments); equal across the sources of one call. */
  inputDigest: 'proofline.input.digest',
  /** boolean — true when the record proves the tool actually ran. */
  execution: 'proofline.execution',
  /** boolean — the outcome, when known: for a command, whether its exit code was 0. */
  success: 'proofline.success',
  /** number — the command's exit code, when the runtime reported one (Codex: its output preview's status line). */
  exitCode: 'proofline.exit_code',
  /** boolean — the runtime itself refused the call before running it (Codex: its exec policy, its approval
   * policy, a denied escalation). */
  runtimeRefused: 'proofline.runtime_refused',
  /** boolean — the call asked to run outside the runtime's sandbox (Codex `sandbox_permissions`). */
  escalated: 'proofline.sandbox.escalated',
  /** string — sha256 of the output text. */
  outputDigest: 'proofline.output.digest',

  // ---- guard decisions ----
  /** string — allow, warn, simulate_first, approval_gate, block. */
  route: 'proofline.route',
  /** string — allow or deny: what the runtime was told. */
  verdict: 'proofline.verdict',
  /** string — the reason given (redacted). */
  reason: 'proofline.reason',
  /** string — the deciding rule id; absent when the policy default applied. */
  rule: 'proofline.rule',
  /** string (JSON array) — every rule that matched. */
  matchedRules: 'proofline.matched_rules',
  /** string — sha256 of the canonical policy the decision was made under. */
  policyDigest: 'proofline.policy.digest',
  /** string — runtime_enforced, approval_orchestrated, advisory, post_hoc_observed. */
  enforceability: 'proofline.enforceability',
  /** string (JSON object) — the externality context X(a) the decision saw. */
  externality: 'proofline.externality',
  /** string (JSON array) — labels the classifier derived for this action. */
  labels: 'proofline.labels',
  /** string (JSON array) — data classes the classifier derived for this action. */
  dataClasses: 'proofline.data_classes',
  /** string (JSON array) — the session ancestry's labels the decision was made against. */
  sessionLabels: 'proofline.session.labels',
  /** string (JSON array) — the session ancestry's data classes the decision was made against. */
  sessionDataClasses: 'proofline.session.data_classes',
  /** string (JSON array of `{id, rule_id, duty, within_ms}`) — duties this action creates. */
  obligations: 'proofline.obligations',
  /** string (JSON array of obligation ids) — open obligations this action discharges. */
  discharges: 'proofline.discharges',
  /** string (JSON array of obligation ids) — obligations a dispensation waived. */
  waives: 'proofline.waives',
  /** string — sha256 of `{session_id, tool_name, tool_input, cwd}`: what an approval is bound to. */
  actionDigest: 'proofline.action.digest',
  /** string (JSON object) — with --store-content only: the GuardRequest decided on, redacted. */
  guardRequest: 'proofline.guard.request',

  // ---- approvals ----
  /** string — the id an approval_gate decision waits on; also on the decision that consumed the grant. */
  approvalId: 'proofline.approval.id',
  /** string — approved, denied or expired. */
  approvalDecision: 'proofline.approval.decision',
  /** string — `Config`, `PermissionRequest hook`, `user`, `proofline approve`. */
  approvalSource: 'proofline.approval.source',
  /** string — who approved, when known; for `proofline approve`, the registered name of the signing key. */
  approvalApprover: 'proofline.approval.approver',
  /** string — sha256 of the approver's SPKI public key that signed the grant. */
  approvalKeyid: 'proofline.approval.keyid',
  /** string (JSON object) — the signed grant, a DSSE envelope (schemas/approval-grant.ts). */
  approvalGrant: 'proofline.approval.grant',
  /** string — the rule whose approval_gate the grant answers. */
  approvalRule: 'proofline.approval.rule',

  // ---- assumptions (what the runtime believed when the call was allowed) ----
  cwd: 'proofline.cwd',
  gitHead: 'proofline.git.head',
  permissionMode: 'proofline.permission_mode',
  model: 'proofline.model',
  /** string (JSON array of `{path, sha256}`) — digests of the files the command names. */
  files: 'proofline.files',
  /** string — who read git HEAD and the files: `server` or `hook_client` (schemas/hook.ts#ContextReader). */
  contextReadBy: 'proofline.context.read_by',

  // ---- session configuration, and the confinement a decision was made under ----
  /** string — the runtime's approval policy (`never`, `on-request`, …). */
  approvalPolicy: 'proofline.approval_policy',
  /** string — the runtime's sandbox (`danger-full-access`, `workspace-write`, `read-only`). */
  sandboxPolicy: 'proofline.sandbox_policy',
  /** boolean — whether commands inside the sandbox reach the network. */
  networkAccess: 'proofline.sandbox.network_access',
  /** string — where a decision's confinement was read: `transcript` (the runtime's own session record). */
  confinementReadFrom: 'proofline.confinement.read_from',

  // ---- hooks ----
  /** string — the hook event name (PreToolUse, …). */
  hookEvent: 'proofline.hook.event',
} as const;

/** Attributes and names a runtime sets on its OTLP spans and resources for proofline (schemas/spans.md). */
export const SPAN = {
  /** Resource or span attribute: tool_hook, framework_sdk, managed_platform or gateway. */
  runtimeFamily: 'proofline.runtime.family',
  sessionId: 'proofline.session.id',
  turnId: 'proofline.turn.id',
  actionId: 'proofline.action.id',
  /** Span links or attribute naming the spans/observations an action depends on. */
  dependsOn: 'proofline.depends_on',
  /** false on an execute_tool span: the tool was proposed, not run. */
  execution: ATTR.execution,
  /** Span event: an assumption the runtime made before the call. */
  assumptionEvent: 'proofline.assumption',
  /** Span event: a human or platform answer to an approval request. */
  approvalEvent: 'proofline.approval',
  /** Span name of a hook call a runtime reports itself, with `hookEvent`, `hookPayload`, `hookDecision`. */
  hookSpan: 'proofline.hook',
  hookEvent: ATTR.hookEvent,
  /** The hook's stdin JSON, as a string. */
  hookPayload: 'proofline.hook.payload',
  /** The GuardDecision the runtime enforced, as JSON. */
  hookDecision: 'proofline.hook.decision',
} as const;

export type ObservationAttribute = (typeof ATTR)[keyof typeof ATTR];
