// The guard's contract: what ingest asks before a tool call and what the policy answers. The rule engine
// behind it lives in policy/; this file only fixes the shapes, so the engine can be replaced without touching
// the receiver, the hook, or the bundles.
import type { RuntimeFamily } from './observation.js';

/** Ordered by strictness. `unknown` in the externality context may raise a route, never lower it. */
export const ROUTES = ['allow', 'warn', 'simulate_first', 'approval_gate', 'block'] as const;
export type Route = (typeof ROUTES)[number];

export function routeRank(route: Route): number {
  return ROUTES.indexOf(route);
}

export function stricterRoute(a: Route, b: Route): Route {
  return routeRank(a) >= routeRank(b) ? a : b;
}

export type EnforceabilityClass = 'runtime_enforced' | 'approval_orchestrated' | 'advisory' | 'post_hoc_observed';

export interface GuardRequest {
  runtime_family: RuntimeFamily;
  session_id: string;
  turn_id?: string;
  action_id?: string;
  /** As the runtime names it (`Bash` in Codex hooks, `exec_command` in Codex logs). */
  tool_name: string;
  tool_input: Record<string, unknown>;
  /** The shell command, when the tool runs one. */
  command?: string;
  cwd?: string;
  permission_mode?: string;
  model?: string;
}

export interface GuardDecision {
  route: Route;
  /** What the runtime is told: only `allow` lets the action run unchanged (warn allows with a message). */
  verdict: 'allow' | 'deny';
  reason: string;
  /** Every rule whose conditions matched, and the one the meta-policy chose (absent: the policy's default). */
  matched_rules: string[];
  deciding_rule?: string;
  /** sha256 of the canonical policy this decision was made under; pinned in every bundle. */
  policy_digest: string;
  /** A rewritten tool input the runtime should run instead (simulate_first). */
  updated_input?: Record<string, unknown>;
  system_message?: string;
}

export interface Guard {
  readonly policyDigest: string;
  decide(request: GuardRequest): GuardDecision;
}
