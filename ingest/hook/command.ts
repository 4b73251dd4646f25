// `proofline hook`: the command Codex runs for each hook event. It reads the event's stdin JSON, adds what it
// sees locally, asks the proofline server, and prints the server's answer verbatim. It runs before every tool
// call, so it loads only node:http and the two small hook modules: no server, policy or schema code.
import { request as httpRequest, type IncomingMessage } from 'node:http';

import { collectHookContext } from './context.js';
import { serverUnavailableAnswer, type HookAnswer } from './output.js';

export interface HookCommandOptions {
  url: string;
  token?: string;
  /** Let tool calls run when the server cannot decide (default: deny them). */
  failOpen: boolean;
  timeoutMs: number;
  /** The hook's own command line was wrong: answer as if the server were unreachable (fail closed) rather
   * than exit 1, which Codex treats as a non-blocking error and lets the tool run. */
  misconfigured?: string;
}

/** Exit code for a hook error Codex reports but does not block on. */
const EXIT_HOOK_ERROR = 1;

export async function runHook(options: HookCommandOptions): Promise<number> {
  const hook = parseHookStdin(await readStdin());
  if (typeof hook === 'string') {
    process.stderr.write(`proofline hook: ${hook}\n`);
    return EXIT_HOOK_ERROR;
  }
  const event = typeof hook.hook_event_name === 'string' ? hook.hook_event_name : '';
  // The assumption receipt is taken when a tool call is proposed; other events carry nothing local to pin.
  const context = event === 'PreToolUse' ? await collectHookContext(hook) : undefined;
  const answer = options.misconfigured
    ? serverUnavailableAnswer(event, `proofline hook is misconfigured: ${options.misconfigured}`, false)
    : await askServer(options, { hook, ...(context ? { context } : {}) }, event);
  process.stdout.write(answer.stdout);
  if (answer.stderr) process.stderr.write(answer.stderr);
  return answer.exitCode;
}

function parseHookStdin(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `stdin is not valid JSON (${(error as Error).message}); expected the hook event object`;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : 'stdin must be a JSON object (the hook event)';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function askServer(options: HookCommandOptions, body: object, event: string): Promise<HookAnswer> {
  const endpoint = new URL('v1/guard', options.url.endsWith('/') ? options.url : `${options.url}/`);
  let problem: string;
  try {
    const response = await postJson(endpoint, body, options);
    const answer = response.status >= 200 && response.status < 300 ? readAnswer(response.text) : undefined;
    if (answer) return answer;
    problem = `proofline server ${options.url} answered ${response.status}${reasonOf(response.text)}`;
  } catch (error) {
    problem = `proofline server ${options.url} unreachable (${describeRequestError(error, options.timeoutMs)})`;
  }
  return serverUnavailableAnswer(event, problem, options.failOpen);
}

function postJson(
  endpoint: URL,
  body: object,
  options: HookCommandOptions,
): Promise<{ status: number; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      endpoint,
      {
        method: 'POST',
        // A fresh connection that closes after the answer: a pooled keep-alive socket would hold the process open.
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

function readAnswer(text: string): HookAnswer | undefined {
  try {
    const body = JSON.parse(text) as { stdout?: unknown; exit_code?: unknown; stderr?: unknown };
    if (typeof body.stdout !== 'string' || !Number.isInteger(body.exit_code)) return undefined;
    return {
      stdout: body.stdout,
      exitCode: body.exit_code as number,
      ...(typeof body.stderr === 'string' ? { stderr: body.stderr } : {}),
    };
  } catch {
    return undefined;
  }
}

function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown };
    const reason = body.reason ?? body.message;
    return typeof reason === 'string' ? `: ${reason}` : '';
  } catch {
    return '';
  }
}

function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}
