// One corpus action as every system under evaluation sees it: the tool call and nothing else. proofline's own
// guard additionally gets the session (through the server); the baselines and the ablation get only this.
import type { GuardRequest } from '../schemas/guard.js';
import type { CorpusAction, CorpusTrace } from './corpus/trace.js';

export interface EvalAction {
  tool_name: string;
  tool_input: Record<string, unknown>;
  /** The shell command, when the tool runs one. */
  command?: string;
  /** For MCP calls whose tool name does not carry the server (`mcp__<server>__<tool>` does). */
  mcp_server?: string;
  cwd?: string;
}

export function evalActionOf(action: CorpusAction): EvalAction {
  const body = (action.decide.via === 'hook' ? action.decide.body.hook : action.decide.body) as Partial<
    Record<string, unknown>
  >;
  const toolInput = isObject(body.tool_input) ? body.tool_input : {};
  const command = toolInput.command;
  return {
    tool_name: typeof body.tool_name === 'string' ? body.tool_name : '',
    tool_input: toolInput,
    ...(typeof command === 'string' ? { command } : {}),
    ...(typeof body.mcp_server === 'string' ? { mcp_server: body.mcp_server } : {}),
    ...(typeof body.cwd === 'string' ? { cwd: body.cwd } : {}),
  };
}

/** The guard's question for the action, without the session's ancestry (absent: unknown). */
export function guardRequestOf(trace: CorpusTrace, action: CorpusAction): GuardRequest {
  const { tool_name, tool_input, command, mcp_server, cwd } = evalActionOf(action);
  return {
    runtime_family: trace.family,
    session_id: trace.session_id,
    action_id: action.action_id,
    tool_name,
    tool_input,
    ...(command === undefined ? {} : { command }),
    ...(mcp_server === undefined ? {} : { mcp_server }),
    ...(cwd === undefined ? {} : { cwd }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
