// Plays one corpus trace against a running receiver the way its runtime would: telemetry as it happens, each
// action's question to the guard (the Codex hook route, POST /v1/decide, or post hoc for a platform without a
// guard), the human's answer to an approval gate, then the telemetry of the call running or not — so every
// decision in the resulting bundles is made live by the server, never read from the corpus.
import type { GuardDecision } from '../schemas/guard.js';
import type { EvalApprovers, PendingRequest } from './approvers.js';
import type { CorpusAction, CorpusTrace, Decide, Telemetry } from './corpus/trace.js';
import { ProoflineError } from '../schemas/errors.js';

export interface Endpoint {
  url: string;
  token?: string;
  /** Who answers approval gates, with signed grants. */
  approvers?: EvalApprovers;
}

export class DriverError extends ProoflineError<'EVAL_DRIVER'> {
  constructor(message: string) {
    super('EVAL_DRIVER', message);
  }
}

interface Answer {
  decision?: GuardDecision;
  approval_id?: string;
}

/** The decisions land in the bundles; the bundles, not the answers, are what the eval scores. */
export async function driveTrace(trace: CorpusTrace, endpoint: Endpoint): Promise<void> {
  for (const step of trace.steps) {
    if (step.kind === 'telemetry') await sendAll(step.items, endpoint);
    else await driveAction(trace, step, endpoint);
  }
}

async function driveAction(trace: CorpusTrace, action: CorpusAction, endpoint: Endpoint): Promise<void> {
  if (action.decide.via === 'post_hoc') {
    // The platform ran the call before anyone could ask; proofline judges it afterwards.
    await sendAll(action.executed, endpoint);
    await ask(action.decide, endpoint);
    return;
  }
  const first = await ask(action.decide, endpoint);
  let last = first;
  if (first.decision?.route === 'approval_gate' && action.approval) {
    const request = await pendingRequest(trace.session_id, first.approval_id, endpoint);
    if (action.approval.answer !== 'expire') {
      if (endpoint.approvers === undefined)
        throw new DriverError('the corpus answers approvals, but no approvers');
      await post(endpoint, '/v1/approvals', {
        grant: endpoint.approvers.grant(request, action.approval.approver, action.approval.answer),
      });
    }
    // A granted call is retried, as the runtime does, and the grant lets it through once.
    if (action.approval.answer === 'approved') last = await ask(action.decide, endpoint);
  }
  const runs = (last.decision?.verdict ?? 'allow') === 'allow';
  await sendAll(runs ? action.executed : action.refused, endpoint);
}

async function ask(decide: Decide, endpoint: Endpoint): Promise<Answer> {
  switch (decide.via) {
    case 'hook':
      return (await post(endpoint, '/v1/guard', decide.body)) as Answer;
    case 'decide':
      return (await post(endpoint, '/v1/decide', decide.body)) as Answer;
    case 'post_hoc':
      return (await post(endpoint, '/v1/decide', { ...decide.body, mode: 'post_hoc' })) as Answer;
  }
}

/** The pending request the gate made (the hook route's answer to Codex carries no id: the list has it). */
async function pendingRequest(
  session: string,
  id: string | undefined,
  endpoint: Endpoint,
): Promise<PendingRequest> {
  const { pending } = (await request(endpoint, 'GET', '/v1/approvals')) as { pending: PendingRequest[] };
  const mine = pending.filter((p) => p.session_id === session && (id === undefined || p.id === id));
  if (mine.length !== 1)
    throw new DriverError(`expected one pending approval for session ${session}, found ${mine.length}`);
  return mine[0]!;
}

async function sendAll(items: readonly Telemetry[], endpoint: Endpoint): Promise<void> {
  for (const item of items) {
    if (item.kind === 'hook') await post(endpoint, '/v1/guard', item.body);
    else await post(endpoint, `/v1/${item.signal}`, item.body);
  }
}

function post(endpoint: Endpoint, path: string, body: unknown): Promise<unknown> {
  return request(endpoint, 'POST', path, body);
}

async function request(endpoint: Endpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${endpoint.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new DriverError(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? {} : JSON.parse(text);
}
