// A scripted stand-in for the OpenAI Responses API that the real Codex CLI talks to (its `model_providers`
// base_url). Each POST /v1/responses gets the next scripted shell call until the script is exhausted, then a
// final assistant message. The SSE is the minimal event set Codex 0.169.0 accepts (fixtures README, the mock's
// `model_requests/`): response.created, output_item.added/done, output_text.delta, response.completed.
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

export interface ScriptedCall {
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

export async function startResponsesServer(commands: readonly string[]): Promise<ResponsesServer> {
  // Unique per server, so call ids from two runs never collide in one proofline data directory.
  const tag = randomBytes(4).toString('hex');
  const calls = commands.map((command, i) => ({ command, callId: `call_${tag}_${i + 1}` }));
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
    const step = (body.input ?? []).filter((item) => item.type === 'function_call_output').length;
    const next = calls[step];
    if (next && !(body.tools ?? []).some((tool) => tool.name === 'exec_command'))
      throw new Error('Codex did not advertise exec_command; the script cannot call its shell tool');
    const responseId = `resp_${tag}_${requests.length}`;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'close',
    });
    for (const [type, payload] of next
      ? toolCallEvents(responseId, next)
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
        if (item) return typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
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

function toolCallEvents(responseId: string, call: ScriptedCall): SseEvent[] {
  const item = {
    type: 'function_call',
    id: `fc_${call.callId}`,
    call_id: call.callId,
    name: 'exec_command',
    arguments: JSON.stringify({ cmd: call.command, yield_time_ms: 2000 }),
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
