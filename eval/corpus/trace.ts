// The corpus trace format: the contract between the generator (this folder) and the eval runner. A trace is
// one seed scenario as one runtime family emits it. It never contains proofline's decision: the runner asks the
// server live and sends `executed` or `refused` according to the verdict it gets.
import type { Checkpoint } from '../../schemas/bundle.js';
import type { Route } from '../../schemas/guard.js';
import type { RuntimeFamily } from '../../schemas/observation.js';

/** What `proofline hook` collects locally before a PreToolUse call (ingest/hook/context.ts). */
export interface HookContextBody {
  git_head: string | null;
  files: { path: string; sha256: string | null }[];
}

/** The body of POST /v1/guard: a hook's stdin object, unchanged, and (PreToolUse only) its local context. */
export interface HookBody {
  hook: object;
  context?: HookContextBody;
}

export type Telemetry =
  | { kind: 'otlp'; signal: 'logs' | 'traces'; body: object /* OTLP/JSON request */ }
  | { kind: 'hook'; body: HookBody };

/** The body of POST /v1/decide (schemas/spans.md, "The decide API"). */
export interface DecideBody {
  session_id: string;
  action_id: string;
  turn_id?: string;
  tool_name: string;
  tool_input: object;
  cwd?: string;
  mcp_server?: string;
  runtime_family: RuntimeFamily;
  time_unix_nano: string;
  mode?: 'enforce' | 'post_hoc';
}

/**
 * How the runner asks: `hook` → POST /v1/guard; `decide` → POST /v1/decide; `post_hoc` → send `executed` first,
 * then POST /v1/decide (the body says `mode: post_hoc`).
 */
export type Decide =
  | { via: 'hook'; body: HookBody }
  | { via: 'decide'; body: DecideBody }
  | { via: 'post_hoc'; body: DecideBody };

export type ApprovalAnswer = 'approved' | 'denied' | 'expire';

export interface CorpusAction {
  kind: 'action';
  step: string;
  action_id: string;
  decide: Decide;
  /** How the approval a gated call asks for is answered (`expire`: never). */
  approval?: { answer: ApprovalAnswer; approver: string };
  /** What the runtime emits when the guard lets the call run (verdict allow, or after a granted approval). */
  executed: Telemetry[];
  /** What it emits when the call does not run (verdict deny, approval denied or expired). */
  refused: Telemetry[];
  gold: {
    route: Route;
    severe: boolean;
    /** Under the gold route, the call does not run in this family. */
    refused: boolean;
    /** In checkpoint order. */
    expected_receipts: Checkpoint[];
    /** Expected receipts whose every carrier was deliberately left out of the telemetry. */
    lost: Checkpoint[];
    /** The action's proof should end in a present closure receipt. */
    closed: boolean;
  };
}

export interface TelemetryStep {
  kind: 'telemetry';
  items: Telemetry[];
}

export type ObligationStatus = 'discharged' | 'violated' | 'waived';

export interface GoldObligation {
  /** The step whose action created it. */
  created_by: string;
  rule: string;
  status: ObligationStatus;
}

export type TamperHow = 'rewrite_summary' | 'foreign_key';

export interface Tamper {
  step: string;
  how: TamperHow;
}

export interface CorpusTrace {
  seed: string;
  family: RuntimeFamily;
  session_id: string;
  covers: string[];
  /** In order: session start telemetry, the actions, session end last. */
  steps: Array<TelemetryStep | CorpusAction>;
  obligations: GoldObligation[];
  /** Applied by the eval after bundling: the action's proof must then be rejected. */
  tamper?: Tamper;
}

/** test/corpus/traces/index.json */
export interface CorpusIndex {
  /** Relative to the repository root. */
  policy: string;
  /** Runtime times start here, one hour per seed. */
  base_time: string;
  seeds: number;
  traces: CorpusIndexEntry[];
}

export interface CorpusIndexEntry {
  seed: string;
  family: RuntimeFamily;
  /** Relative to test/corpus/traces/. */
  file: string;
  session_id: string;
  covers: string[];
  actions: number;
}
