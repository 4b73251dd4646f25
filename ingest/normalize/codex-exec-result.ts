// What a Codex 0.169.0 `codex.tool_result` record says about how a shell call ended (schemas/observations.md,
// "How a Codex command ended"; captures in test/fixtures/codex-0.169.0/scenarios/exec_failures and codex_*):
// - `success` is "true" for every command that ran, whatever its exit code (`false`, curl's 56 and `exit 3`
//   all log "true"), and "false" only when no process ran;
// - the exit code is in the output preview's status lines, before `Output:` — `Process exited with code N`
//   (`Process running with session ID N` while it still runs). What the command printed comes after `Output:`,
//   so it cannot forge them; a preview cut short by `otel.tool_result.max_bytes` may have lost them;
// - a call Codex refused itself (its exec policy `.rules`, an escalation under approval `never`, a denied
//   PermissionRequest) logs success "false" and one of the messages below instead of a preview.
// The hook's PostToolUse `tool_response` is the command's raw output only: no exit code.

export interface ExecResult {
  /** The process ran (or is running). */
  ran: boolean | undefined;
  exitCode: number | undefined;
  /** Codex refused the call before starting any process. */
  refused: boolean;
}

const PREVIEW_HEAD = 'Chunk ID: ';
const EXITED = /^Process exited with code (-?\d+)$/m;
const RUNNING = /^Process running with session ID \d+$/m;
const REFUSALS = [
  // Exec policy `forbidden` and a PermissionRequest deny: the process was never created.
  /^exec_command failed: CreateProcess \{ message: "Rejected\(/,
  // An escalation (`sandbox_permissions: require_escalated`) under approval_policy never.
  /^approval policy is Never; reject command/,
];

/** `success` as Codex logged it ("true"/"false", or a boolean), `output` the preview text when present. */
export function readExecResult(success: unknown, output: string | undefined): ExecResult {
  const logged =
    success === true || success === 'true'
      ? true
      : success === false || success === 'false'
        ? false
        : undefined;
  if (logged === false)
    return { ran: false, exitCode: undefined, refused: REFUSALS.some((r) => r.test(output ?? '')) };
  const status = output?.startsWith(PREVIEW_HEAD) ? statusLines(output) : undefined;
  const exited = status === undefined ? undefined : EXITED.exec(status);
  const exitCode = exited ? Number(exited[1]) : undefined;
  const running = status !== undefined && RUNNING.test(status);
  return {
    ran: exitCode !== undefined || running || logged === true ? true : undefined,
    exitCode,
    refused: false,
  };
}

function statusLines(preview: string): string {
  const end = preview.indexOf('\nOutput:\n');
  return end === -1 ? preview : preview.slice(0, end);
}
