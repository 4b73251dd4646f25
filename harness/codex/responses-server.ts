// A scripted stand-in for the OpenAI Responses API that the real Codex CLI talks to (its `model_providers`
// base_url). Each POST /v1/responses gets the next scripted shell call until the script is exhausted, then a
// final assistant message. The SSE is the minimal event set Codex 0.169.0 accepts (fixtures README, the mock's
// `model_requests/`): response.created, output_item.added/done, output_text.delta, response.completed.
// A step may ask to run outside the sandbox (`sandbox_permissions: "require_escalated"`, as a model does when
// its command failed under the sandbox), and may be written from what earlier calls printed, as a
// prompt-injected model pastes a secret it has just read into its next command.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Responses API request as Codex sent it (the JSON body, never compressed by 0.169.0). */
export interface ModelRequest {
  path: string;
  body: { tools?: { name?: string }[]; input?: InputItem[]; [key: string]: unknown };
}

export interface InputItem {
  type?: string;
  call_id?: string;
  output?: unknown;
  [key: string]: unknown;
}

/** One scripted shell call: a command, or a step with the arguments a model adds to it. */
export type ScriptStep = string | StepOptions;

export interface StepOptions {
  /** The command, or how to write it from the outputs Codex returned for the earlier calls, in order. */
  command: string | ((outputs: readonly string[]) => string);
  /** Ask Codex to run it outside its sandbox (`--approve-for-me` sends the request to PermissionRequest). */
  escalate?: { justification: string };
  /** How long Codex waits for the command before returning what it has (`yield_time_ms`, default 2000). */
  yieldTimeMs?: number;
}

export interface ScriptedCall {
  /** The command as sent; for a step written from earlier outputs, '' until Codex asked for it. */
  command: string;
  callId: string;
}

export interface ResponsesServer {
  /** The provider `base_url` (Codex POSTs `${baseUrl}/responses`). */
  baseUrl: string;
  calls: readonly ScriptedCall[];
  requests: readonly ModelRequest[];
  /** Requests Codex made that the script does not serve (analytics, anything unexpected). */
  unserved: readonly string[];
  /** What Codex sent back to the model for a scripted call (the `function_call_output` text), if anything. */
  outputOf(callId: string): string | undefined;
  close(): Promise<void>;
}

/** The final answer, once every scripted command has an output. */
export const FINAL_MESSAGE = 'All scripted commands were attempted.';

export async function startResponsesServer(script: readonly ScriptStep[]): Promise<ResponsesServer> {
  // Unique per server, so call ids from two runs never collide in one proofline data directory.
  const tag = randomBytes(4).toString('hex');
  const steps = script.map((step) => (typeof step === 'string' ? { command: step } : step));
  const calls = steps.map((step, i) => ({
    command: typeof step.command === 'string' ? step.command : '',
    callId: `call_${tag}_${i + 1}`,
  }));
  const requests: ModelRequest[] = [];
  const unserved: string[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      unserved.push(`${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/responses') {
      // Codex also POSTs /v1/analytics/codex/turn-costs to a custom provider; a 404 is what it copes with.
      unserved.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not scripted"}}');
      return;
    }
    if (req.headers['content-encoding'])
      throw new Error(`compressed body (${req.headers['content-encoding']})`);
    const body = JSON.parse(raw) as ModelRequest['body'];
    requests.push({ path: req.url, body });
    // The step is derived from the conversation, not from a request counter: a retried request gets the same
    // answer, and a turn whose tool output went missing never advances the script.
    const outputs = (body.input ?? []).filter((item) => item.type === 'function_call_output');
    const step = outputs.length;
    const next = calls[step];
    if (next && !(body.tools ?? []).some((tool) => tool.name === 'exec_command'))
      throw new Error('Codex did not advertise exec_command; the script cannot call its shell tool');
    const options = steps[step];
    if (next && options && typeof options.command === 'function')
      next.command = options.command(outputs.map((item) => outputText(item.output)));
    const responseId = `resp_${tag}_${requests.length}`;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'close',
    });
    for (const [type, payload] of next && options
      ? toolCallEvents(responseId, next, options)
      : finalMessageEvents(responseId, tag))
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    requests,
    unserved,
    outputOf(callId) {
      for (const request of [...requests].reverse()) {
        const item = request.body.input?.find(
          (i) => i.type === 'function_call_output' && i.call_id === callId,
        );
        if (item) return outputText(item.output);
      }
      return undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type SseEvent = [type: string, payload: Record<string, unknown>];

function outputText(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}

function toolCallEvents(responseId: string, call: ScriptedCall, step: StepOptions): SseEvent[] {
  // The argument names of Codex 0.169.0's exec_command tool (fixtures README, hook_permission_request_*).
  const args = {
    cmd: call.command,
    yield_time_ms: step.yieldTimeMs ?? 2000,
    ...(step.escalate
      ? { sandbox_permissions: 'require_escalated', justification: step.escalate.justification }
      : {}),
  };
  const item = {
    type: 'function_call',
    id: `fc_${call.callId}`,
    call_id: call.callId,
    name: 'exec_command',
    arguments: JSON.stringify(args),
    status: 'completed',
  };
  return [
    ['response.created', { response: { id: responseId, status: 'in_progress' } }],
    ['response.output_item.added', { output_index: 0, item }],
    ['response.output_item.done', { output_index: 0, item }],
    completed(responseId),
  ];
}

function finalMessageEvents(responseId: string, tag: string): SseEvent[] {
  // `phase: final_answer` and an `id` make Codex log it as codex.agent_response (fixtures README).
  const message = {
    type: 'message',
    id: `msg_${tag}`,
    role: 'assistant',
    status: 'completed',
    phase: 'final_answer',
    content: [{ type: 'output_text', text: FINAL_MESSAGE, annotations: [] }],
  };
  return [
    ['response.created', { response: { id: responseId, status: 'in_progress' } }],
    [
      'response.output_item.added',
      { output_index: 0, item: { ...message, status: 'in_progress', content: [] } },
    ],
    [
      'response.output_text.delta',
      { output_index: 0, item_id: message.id, content_index: 0, delta: FINAL_MESSAGE },
    ],
    ['response.output_item.done', { output_index: 0, item: message }],
    completed(responseId),
  ];
}

function completed(responseId: string): SseEvent {
  const usage = {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 10,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 110,
  };
  return ['response.completed', { response: { id: responseId, status: 'completed', usage } }];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
