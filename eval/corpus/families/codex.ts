// tool_hook: Codex CLI 0.169.0 (`codex exec`) with proofline's hooks, exporting logs only (the fixtures'
// "logs (json)" scenarios, test/fixtures/codex-0.169.0). Shapes follow the captures: hook stdin objects in
// Codex's key order; log records with timeUnixNano "0", the time in `event.timestamp`, empty trace ids.
// A call PreToolUse denies leaves no log record at all (fixtures README, quirk 1), so `refused` is empty.
import { nanos, rfc3339, type Millis } from '../clock.js';
import type { ActionTelemetry, FamilyEmitter } from '../family.js';
import { attributes, type AttrInput } from '../otlp.js';
import type { SessionPlan, StepPlan } from '../plan.js';
import type { Telemetry } from '../trace.js';
import { CWD, localContext, toolInput } from '../workspace.js';

const MODEL = 'gpt-5.1-codex';
const PERMISSION_MODE = 'bypassPermissions';
/** Codex asks for no approval under `codex exec`; its own decision is always this, from config. */
const DECISION_SOURCE = 'Config';
/** A tool call is recorded this long after the hook let it through. */
const DECISION_AFTER_MS: Millis = 10n;

const LOG_RESOURCE = {
  'telemetry.sdk.language': 'rust',
  'telemetry.sdk.version': '0.31.0',
  'service.name': 'codex_exec',
  'service.version': '0.169.0',
  'telemetry.sdk.name': 'opentelemetry',
  env: 'dev',
  'host.name': 'dev-laptop',
};

/** `LogRecord.eventName` is Codex's tracing callsite, per event. */
const CALLSITES: Record<string, string> = {
  'codex.conversation_starts': 'event otel/src/events/session_telemetry.rs:703',
  'codex.user_prompt': 'event otel/src/events/session_telemetry.rs:1200',
  'codex.tool_decision': 'event otel/src/events/session_telemetry.rs:1225',
  'codex.tool_result': 'event otel/src/tool_result.rs:54',
};

export const codexEmitter: FamilyEmitter = {
  sessionStart(plan) {
    const prompt = plan.seed.description;
    const servers = [
      ...new Set(plan.steps.flatMap(({ step }) => (step.tool === 'mcp' ? [step.mcp.server] : []))),
    ].sort();
    return [
      hook(plan, 'SessionStart', { source: 'startup' }),
      hook(plan, 'UserPromptSubmit', { prompt }),
      logs([
        logRecord(plan, 'codex.conversation_starts', plan.startedAt, {
          'config.legacy_multi_agent_disabled_sources': 'none',
          provider_name: 'OpenAI',
          'auth.env_openai_api_key_present': true,
          'auth.env_codex_api_key_present': false,
          'auth.env_codex_api_key_enabled': true,
          'auth.env_provider_key_name': 'configured',
          'auth.env_provider_key_present': true,
          'auth.env_refresh_token_url_override_present': false,
          reasoning_summary: 'auto',
          approval_policy: 'never',
          sandbox_policy: 'danger-full-access',
          mcp_servers: servers.join(','),
        }),
        logRecord(plan, 'codex.user_prompt', plan.startedAt + 300n, {
          prompt_length: String(prompt.length),
          prompt,
        }),
      ]),
    ];
  },

  action(plan, step): ActionTelemetry {
    const { hookTool, logTool } = toolNames(step);
    const ran = toolInput(step.step, step.rewritten);
    const mcp = step.step.tool === 'mcp' ? step.step.mcp : undefined;
    const output = step.step.output;
    const lose = new Set(step.step.lose);
    const records = [
      ...(lose.has('approval')
        ? []
        : [
            logRecord(plan, 'codex.tool_decision', step.startedAt - DECISION_AFTER_MS, {
              ...logTool,
              call_id: step.actionId,
              decision: 'approved',
              source: DECISION_SOURCE,
            }),
          ]),
      ...(lose.has('closure')
        ? []
        : [
            logRecord(plan, 'codex.tool_result', step.endedAt, {
              tool_result_seq: resultSeq(plan, step),
              ...logTool,
              call_id: step.actionId,
              duration_ms: String(step.durationMs),
              success: String(step.step.success),
              output_truncated: false,
              agent_name: '/root',
              // The model's arguments: Codex's shell tool takes `cmd`, an MCP tool its own.
              arguments: JSON.stringify(mcp ? ran : { cmd: ran.command, yield_time_ms: 10000 }),
              output: mcp ? output : execOutput(plan, step),
              mcp_server: mcp?.server ?? '',
              mcp_server_origin: mcp ? 'stdio' : '',
            }),
          ]),
    ];
    return {
      decide: {
        via: 'hook',
        body: {
          hook: hookPayload(plan, 'PreToolUse', {
            tool_name: hookTool,
            tool_input: toolInput(step.step, false),
            tool_use_id: step.actionId,
          }),
          context: localContext(plan.seed.id, step.step),
        },
      },
      executed: [
        ...(records.length > 0 ? [logs(records)] : []),
        ...(lose.has('closure')
          ? []
          : [
              hook(plan, 'PostToolUse', {
                tool_name: hookTool,
                tool_input: ran,
                tool_response: output,
                tool_use_id: step.actionId,
              }),
            ]),
      ],
      refused: [],
      dropped: [...lose].filter((c) => c === 'approval' || c === 'closure'),
    };
  },

  sessionEnd(plan) {
    const calls = plan.steps.length;
    return [
      hook(plan, 'Stop', {
        stop_hook_active: false,
        last_assistant_message: `Done: ${calls} tool call${calls === 1 ? '' : 's'} for "${plan.seed.description}"`,
      }),
      hook(plan, 'SessionEnd', { reason: 'other' }),
    ];
  },
};

/** The hook names MCP tools `mcp__<server>__<tool>` and the shell `Bash`; the logs name the model-facing tool
 * and its namespace. */
function toolNames(step: StepPlan): {
  hookTool: string;
  logTool: { tool_name: string; tool_namespace: string };
} {
  const { step: seedStep } = step;
  if (seedStep.tool === 'shell')
    return { hookTool: 'Bash', logTool: { tool_name: 'exec_command', tool_namespace: 'functions' } };
  const { server, tool } = seedStep.mcp;
  return {
    hookTool: `mcp__${server}__${tool}`,
    logTool: { tool_name: tool, tool_namespace: `mcp__${server}` },
  };
}

/** Codex numbers the tool results of a session; a refused call has none. */
function resultSeq(plan: SessionPlan, step: StepPlan): number {
  return plan.steps.slice(0, plan.steps.indexOf(step)).filter((earlier) => !earlier.refused).length + 1;
}

/** The preview of a unified-exec chunk Codex logs as `output` (fixtures: binary_allow). */
function execOutput(plan: SessionPlan, step: StepPlan): string {
  const output = step.step.output;
  return [
    `Chunk ID: ${plan.ids.hex(6, 'chunk', step.step.id)}`,
    `Wall time: ${(step.durationMs / 1000).toFixed(4)} seconds`,
    `Process exited with code ${step.step.success ? 0 : 1}`,
    `Original token count: ${Math.ceil(output.length / 4)}`,
    'Output:',
    output,
  ].join('\n');
}

/** Codex's hook stdin: session fields first, then the event's own, in the captures' key order. */
function hookPayload(plan: SessionPlan, event: string, fields: Record<string, unknown>): object {
  const turnScoped = event !== 'SessionStart' && event !== 'SessionEnd';
  return {
    session_id: plan.sessionId,
    ...(turnScoped ? { turn_id: plan.turnId } : {}),
    transcript_path: transcriptPath(plan),
    cwd: CWD,
    hook_event_name: event,
    ...(event === 'SessionEnd' ? {} : { model: MODEL, permission_mode: PERMISSION_MODE }),
    ...fields,
  };
}

function hook(plan: SessionPlan, event: string, fields: Record<string, unknown>): Telemetry {
  return { kind: 'hook', body: { hook: hookPayload(plan, event, fields) } };
}

function transcriptPath(plan: SessionPlan): string {
  const started = rfc3339(plan.startedAt);
  const [date, time] = [started.slice(0, 10), started.slice(11, 19).replaceAll(':', '-')];
  return `/home/dev/.codex/sessions/${date.replaceAll('-', '/')}/rollout-${date}T${time}-${plan.sessionId}.jsonl`;
}

function logRecord(plan: SessionPlan, event: string, at: Millis, fields: Record<string, AttrInput>): object {
  return {
    timeUnixNano: '0',
    observedTimeUnixNano: nanos(at),
    severityNumber: 9,
    severityText: 'INFO',
    body: null,
    attributes: attributes({
      'event.name': event,
      ...fields,
      'event.timestamp': rfc3339(at),
      'conversation.id': plan.sessionId,
      'app.version': '0.169.0',
      originator: 'codex_exec',
      'terminal.type': 'xterm-256color',
      model: MODEL,
      slug: MODEL,
    }),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: CALLSITES[event],
  };
}

function logs(records: object[]): Telemetry {
  return {
    kind: 'otlp',
    signal: 'logs',
    body: {
      resourceLogs: [
        {
          resource: { attributes: attributes(LOG_RESOURCE), droppedAttributesCount: 0, entityRefs: [] },
          scopeLogs: [
            {
              scope: { name: 'codex_otel.log_only', version: '', attributes: [], droppedAttributesCount: 0 },
              logRecords: records,
              schemaUrl: '',
            },
          ],
          schemaUrl: '',
        },
      ],
    },
  };
}
