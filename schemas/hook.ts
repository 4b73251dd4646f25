// The hook wire contract: what a Codex hook hands its command on stdin, the Codex events, and the two routes
// that answer it: `POST /v1/hook/<Event>` (the hook client sends stdin as it is and gets back the exact stdout)
// and `POST /v1/guard` (a caller that sends `{hook, context}` and gets JSON back). The shapes Codex itself
// defines are in test/fixtures/codex-0.169.0/hook-schemas/.
import { ProoflineError } from './errors.js';
import type { GuardDecision } from './guard.js';
import { identifierProblem } from './observation.js';

/** The events where proofline's answer can stop or change a tool call; every other event is only recorded. */
export const GUARDED_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PermissionRequest']);

/** Every command-hook event Codex 0.169.0 has a stdin schema for (hook-schemas/), in the order a turn fires them. */
export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PreCompact',
  'PostCompact',
  'SubagentStart',
  'SubagentStop',
  'Interrupt',
  'Stop',
  'SessionEnd',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export function isHookEvent(name: string): name is HookEvent {
  return (HOOK_EVENTS as readonly string[]).includes(name);
}

/** The response header of `POST /v1/hook/<Event>` that carries the hook's exit code; a body without it is not
 * a hook answer and the client never prints it. */
export const HOOK_EXIT_HEADER = 'x-proofline-hook-exit';

/** A hook's stdin object: Codex always sends these two; everything else depends on the event. */
export type HookPayload = Record<string, unknown> & { hook_event_name: string; session_id: string };

export class HookPayloadError extends ProoflineError<'HOOK_PAYLOAD_INVALID'> {
  constructor(message: string) {
    super('HOOK_PAYLOAD_INVALID', message);
  }
}

export function assertHookPayload(value: unknown): asserts value is HookPayload {
  if (!isObject(value)) throw new HookPayloadError('hook payload must be a JSON object');
  for (const field of ['hook_event_name', 'session_id'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') {
      throw new HookPayloadError(`hook payload needs a non-empty string ${field}`);
    }
  }
  // Ids end up naming the session's evidence: only what schemas/observation.ts#identifierProblem allows.
  for (const field of ['session_id', 'turn_id', 'tool_use_id'] as const) {
    const id = value[field];
    const problem = typeof id === 'string' ? identifierProblem(id) : undefined;
    if (problem !== undefined) throw new HookPayloadError(`hook payload ${field} ${problem}`);
  }
}

export interface FileDigest {
  /** Absolute path, resolved against the hook's cwd. */
  path: string;
  /** null when the file does not exist (yet), is larger than the cap (`too_large`), or could not be read as the
   * agent's user would read it (`unreadable`: permissions, not a regular file, out of time). */
  sha256: string | null;
  too_large?: true;
  unreadable?: true;
}

/** Who read the machine for a receipt: the server (`POST /v1/hook`, from the payload's cwd) or a client that
 * sent its own reading (`POST /v1/guard`). */
export type ContextReader = 'server' | 'hook_client';

/** What the machine the agent runs on looked like when a tool call was proposed. */
export interface HookContext {
  /** The commit checked out in the repository holding cwd; null outside a repository or before the first commit. */
  git_head: string | null;
  files: FileDigest[];
  /** Absent on older clients' contexts: read as `hook_client`. */
  read_by?: ContextReader;
}

/** The body of `POST /v1/guard`: the hook's stdin object unchanged, and what the client saw locally. */
export interface GuardRequestBody {
  hook: HookPayload;
  context?: HookContext;
}

/** The answer: exactly what the hook command prints and exits with. */
export interface GuardResponseBody {
  stdout: string;
  exit_code: number;
  stderr?: string;
  decision?: GuardDecision;
}

export function readGuardRequestBody(body: unknown): GuardRequestBody {
  if (!isObject(body)) throw new HookPayloadError('body must be a JSON object { hook, context? }');
  const { hook, context } = body;
  assertHookPayload(hook);
  return context === undefined ? { hook } : { hook, context: readHookContext(context) };
}

// The client's local observations end up in the assumption receipt, so their shape is checked, not trusted.
export function readHookContext(value: unknown): HookContext {
  const context = value as Partial<HookContext> | null;
  const validFile = (file: Partial<FileDigest> | null) =>
    typeof file === 'object' &&
    file !== null &&
    typeof file.path === 'string' &&
    (typeof file.sha256 === 'string' || file.sha256 === null);
  if (
    typeof context !== 'object' ||
    context === null ||
    (typeof context.git_head !== 'string' && context.git_head !== null) ||
    !Array.isArray(context.files) ||
    !context.files.every(validFile)
  ) {
    throw new HookPayloadError(
      'context must be { git_head: string | null, files: [{ path, sha256 | null }] }',
    );
  }
  const files = context.files.map(({ path, sha256, too_large, unreadable }) => ({
    path,
    sha256,
    ...(too_large === true ? { too_large } : {}),
    ...(unreadable === true ? { unreadable } : {}),
  }));
  // Whatever the client claims, a context that arrived in a request body was read by the client.
  return { git_head: context.git_head, files: files as FileDigest[], read_by: 'hook_client' };
}

/** The shell command a tool call runs, when it runs one (Codex: `tool_input.command` of `Bash`). */
export function shellCommand(payload: Record<string, unknown>): string | undefined {
  const toolInput = payload.tool_input as { command?: unknown } | null | undefined;
  return typeof toolInput === 'object' && toolInput !== null && typeof toolInput.command === 'string'
    ? toolInput.command
    : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
