// The sandbox and approval policy Codex runs each turn under, as Codex itself recorded it, so a decision can say
// whether the sandbox would stop what it lets through (policy/externality/confinement.ts). Codex writes a
// `turn_context` line to the session's transcript (`transcript_path` in every hook payload,
// `$CODEX_HOME/sessions/…/rollout-*.jsonl`) when a turn starts, before any tool call of it:
// `{"type":"turn_context","payload":{"turn_id":…,"approval_policy":"never",
//   "sandbox_policy":{"type":"workspace-write","network_access":false,…},…}}`
// (test/fixtures/codex-0.169.0/scenarios/sandbox_*/transcript_*.jsonl). Neither the hook payload
// (`permission_mode` is `bypassPermissions` for approval `never` under any sandbox) nor Codex's OTLP
// (`sandbox_policy` names the sandbox without its network setting, and arrives in batches) says it in time.
//
// The transcript is read as the agent's user could read it (ingest/hook/agent-files.ts: non-blocking, capped),
// incrementally: each session remembers how far it has read, so a call reads only what Codex wrote since the
// last one. Only a turn's own turn_context counts; a turn not found reads as unknown (nothing confined).
// The agent cannot rewrite the transcript from inside a workspace-write sandbox (it lies outside the
// workspace); under danger-full-access it can, and the assembler then finds the sandbox it claims contradicted
// by Codex's own `codex.conversation_starts` (assembler/checkpoints.ts).
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

import type { RuntimeConfinement } from '../../schemas/guard.js';
import type { HookPayload } from '../../schemas/hook.js';
import { readAsAgentFrom } from '../hook/agent-files.js';

/** At most this much of a transcript is read per call; a session that wrote more since the last call has its
 * latest bytes read (a turn's context is written at its start, before the tool calls that follow it). */
export const MAX_TRANSCRIPT_READ = 8 * 1024 * 1024;
const TURNS_KEPT = 64;

export interface SessionConfinementLimits {
  maxSessions: number;
}

interface TranscriptState {
  path: string;
  agentUid: number;
  /** Where the next read starts. */
  offset: number;
  /** The next read starts inside a line (after a jump): its first line is dropped. */
  midLine: boolean;
  turns: Map<string, RuntimeConfinement>;
  /** Reads of one transcript, one at a time. */
  reading: Promise<unknown>;
}

export class SessionConfinements {
  // Least recently used first (re-inserted on every touch), like SessionContexts.
  private readonly sessions = new Map<string, TranscriptState>();

  constructor(private readonly limits: SessionConfinementLimits = { maxSessions: 10_000 }) {}

  /** The confinement of the payload's turn; undefined when it cannot be read. Never throws. */
  async read(payload: HookPayload): Promise<RuntimeConfinement | undefined> {
    const { transcript_path: path, cwd, turn_id: turnId } = payload;
    if (typeof path !== 'string' || !isAbsolute(path) || typeof turnId !== 'string') return undefined;
    if (typeof cwd !== 'string' || !isAbsolute(cwd)) return undefined;
    const state = await this.state(payload.session_id, path, cwd);
    if (state === undefined) return undefined;
    if (!state.turns.has(turnId)) {
      const caughtUp = state.reading.then(() => catchUp(state));
      state.reading = caughtUp.catch(() => undefined);
      await state.reading;
    }
    return state.turns.get(turnId);
  }

  get size(): number {
    return this.sessions.size;
  }

  private async state(sessionId: string, path: string, cwd: string): Promise<TranscriptState | undefined> {
    let state = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    if (state === undefined || state.path !== path) {
      // Whose files these are: the owner of the cwd Codex runs in, as for the workspace's files.
      const agentUid = (await stat(cwd).catch(() => undefined))?.uid;
      if (agentUid === undefined) return undefined;
      state = { path, agentUid, offset: 0, midLine: false, turns: new Map(), reading: Promise.resolve() };
    }
    this.sessions.set(sessionId, state);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.limits.maxSessions) break;
      this.sessions.delete(oldest);
    }
    return state;
  }
}

async function catchUp(state: TranscriptState): Promise<void> {
  const read = await readAsAgentFrom(state.path, state.agentUid, state.offset, MAX_TRANSCRIPT_READ);
  if (read.kind !== 'part') return;
  if (read.size < state.offset) {
    // Truncated or replaced: start over.
    state.offset = 0;
    state.midLine = false;
    return catchUp(state);
  }
  if (read.size - state.offset > MAX_TRANSCRIPT_READ) {
    // More than one read behind: the latest bytes hold the current turn's context.
    state.offset = read.size - MAX_TRANSCRIPT_READ;
    state.midLine = true;
    return catchUp(state);
  }
  const end = read.data.lastIndexOf(0x0a);
  if (end === -1) return; // no complete line yet
  let text = read.data.subarray(0, end).toString('utf8');
  state.offset += end + 1;
  if (state.midLine) {
    const first = text.indexOf('\n');
    text = first === -1 ? '' : text.slice(first + 1);
    state.midLine = false;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"turn_context"')) continue;
    const context = turnContext(line);
    if (context === undefined) continue;
    state.turns.set(context.turnId, context.confinement);
    for (const oldest of state.turns.keys()) {
      if (state.turns.size <= TURNS_KEPT) break;
      state.turns.delete(oldest);
    }
  }
}

function turnContext(line: string): { turnId: string; confinement: RuntimeConfinement } | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { type, payload } = (record ?? {}) as { type?: unknown; payload?: Record<string, unknown> };
  if (type !== 'turn_context' || typeof payload !== 'object' || payload === null) return undefined;
  const sandbox = payload.sandbox_policy as { type?: unknown; network_access?: unknown } | undefined;
  if (typeof payload.turn_id !== 'string' || typeof sandbox?.type !== 'string') return undefined;
  return {
    turnId: payload.turn_id,
    confinement: {
      sandbox: sandbox.type,
      // danger-full-access has no sandbox to cut the network off; elsewhere an absent flag is unknown.
      network_access:
        typeof sandbox.network_access === 'boolean'
          ? sandbox.network_access
          : sandbox.type === 'danger-full-access'
            ? true
            : null,
      approval_policy: typeof payload.approval_policy === 'string' ? payload.approval_policy : null,
      read_from: 'transcript',
    },
  };
}
