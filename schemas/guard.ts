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

export const ENFORCEABILITY_CLASSES = [
  'runtime_enforced',
  'approval_orchestrated',
  'advisory',
  'post_hoc_observed',
] as const;
export type EnforceabilityClass = (typeof ENFORCEABILITY_CLASSES)[number];

/** Every externality field may be `unknown`: the classifier says so rather than guess. */
export type Unknown = 'unknown';

/** The externality context X(a) of ARCHITECTURE.md §5: where an action's effects land and how sure proofline is of it. */
export interface ExternalityContext {
  /** `none`: nothing leaves the machine. */
  destination_type:
    | 'none'
    | 'vcs_remote'
    | 'package_registry'
    | 'http'
    | 'ssh'
    | 'database'
    | 'cloud_api'
    | 'cluster'
    | 'mcp_server'
    | Unknown;
  /** Who can see what arrives: `private` = only the owner (owned or loopback destinations); `public` = anyone. */
  destination_visibility: 'none' | 'private' | 'public' | Unknown;
  /** Against the policy's `owned` orgs, hosts and registries. */
  destination_ownership: 'none' | 'owned' | 'unowned' | Unknown;
  /** Where the destination's tenant (org, project, cluster context) comes from: named in the command, or
   * `ambient` (config files, environment) and so able to change without the command changing. */
  tenant_provenance: 'none' | 'explicit' | 'ambient' | Unknown;
  /** Same, for the credentials the action runs under (`--profile`, a token in the command, or the default). */
  account_provenance: 'none' | 'explicit' | 'ambient' | Unknown;
  /** What performs the action: the runtime's own tool, a CLI the classifier knows, an MCP server. */
  client_provenance: 'agent_tool' | 'known_cli' | 'mcp_server' | Unknown;
  external_write: 'yes' | 'no' | Unknown;
  sensitive_payload: 'yes' | 'no' | Unknown;
  reversibility: 'reversible' | 'irreversible' | Unknown;
  enforceability_class: EnforceabilityClass | Unknown;
}

export type ExternalityField = keyof ExternalityContext;

/** What the dependency graph knows of the action's backward slice (ARCHITECTURE.md §6), for ancestry conditions. */
export interface SessionContext {
  labels: string[];
  data_classes: string[];
  /** Files earlier actions wrote from a secret, with its data classes: reading one later reads the secret. */
  tainted_files?: Record<string, string[]>;
}

/** A duty a matched obligation attaches to the action: discharged by a later action matching `after`. */
export interface ObligationDuty {
  rule: string;
  duty: string;
  /** The obligation's `after` match, as written in the policy, for the assembler to test later actions. */
  after: Record<string, unknown>;
  within_ms: number;
}

/** The confinement the runtime runs an action under, as the runtime recorded it for the turn (Codex: the
 * turn_context of its session transcript), when proofline could read it. A decision lets an action through
 * knowing whether the sandbox would stop what it does beyond it (ARCHITECTURE.md §5, enforceability). */
export interface RuntimeConfinement {
  /** `read-only`, `workspace-write`, `danger-full-access`, or another name the runtime used. */
  sandbox: string;
  /** Whether commands inside the sandbox reach the network; null when the runtime did not say. */
  network_access: boolean | null;
  /** `never`, `on-request`, `on-failure`, …; null when the runtime did not say. */
  approval_policy: string | null;
  read_from: 'transcript';
}

export interface GuardRequest {
  runtime_family: RuntimeFamily;
  session_id: string;
  turn_id?: string;
  action_id?: string;
  /** The runtime's hook event that asks, when it asks through a hook (`PreToolUse`, `PermissionRequest`). */
  event?: string;
  /** As the runtime names it (`Bash` in Codex hooks, `exec_command` in Codex logs). */
  tool_name: string;
  tool_input: Record<string, unknown>;
  /** The shell command, when the tool runs one. */
  command?: string;
  cwd?: string;
  permission_mode?: string;
  model?: string;
  /** The workspace root writes are judged against (default: cwd). */
  workspace_root?: string;
  /** The MCP server, when the runtime names it apart from the tool name (`mcp__server__tool`). */
  mcp_server?: string;
  /** Where the runtime keeps the session's transcript (Codex: `$CODEX_HOME/sessions/…`): self-protection
   * finds the runtime's hook configuration from it. */
  transcript_path?: string;
  /** The action's ancestry; absent means unknown, which can only raise the route. */
  session?: SessionContext;
  /** The runtime's sandbox and approval policy for this call; absent means unknown (nothing is confined). It
   * never changes the route: it says whether the runtime's sandbox would stop what an allowed action does. */
  confinement?: RuntimeConfinement;
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
  /** X(a) as the classifier saw it, with the labels and data classes the action adds to the graph. */
  externality?: ExternalityContext;
  labels?: string[];
  data_classes?: string[];
  enforceability?: EnforceabilityClass;
  /** Duties the action takes on if it runs. */
  obligations?: ObligationDuty[];
  /** Rules that matched but were waived by a dispensation. */
  waived_rules?: string[];
  /** Files the action writes from a secret, with its data classes (the session remembers them). */
  tainted_writes?: Record<string, string[]>;
}

export interface Guard {
  readonly policyDigest: string;
  decide(request: GuardRequest): GuardDecision;
}
