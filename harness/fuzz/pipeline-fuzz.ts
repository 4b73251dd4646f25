// Fuzzes the whole pipeline the way a hostile client would: real Codex OTLP requests (protobuf and JSON),
// mutated by fast-check — bit flips, truncations, splices of two requests, deletions and repetitions, JSON
// values swapped, and identifiers replaced with odd Unicode — POSTed to a running server. Every answer must be
// one the OTLP spec allows (200 full or partial success, 400, 413, 415), never a 5xx or a dropped connection;
// afterwards a clean session must still be bundled, sealed, and verify (the test and `npm run fuzz` check it).
import fc from 'fast-check';

import { listScenarios, loadScenario, type OtlpRequest } from '../../service/replay.js';

export const ALLOWED_STATUSES: ReadonlySet<number> = new Set([200, 400, 413, 415]);

export interface FuzzTally {
  requests: number;
  byStatus: Record<string, number>;
  /** Answers outside ALLOWED_STATUSES, or no answer at all: each one is a failure (`case`: its index in the
   * seeded sample). */
  failures: { status: number | string; case: number; mutations: string }[];
}

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'repeat'; at: number; length: number; times: number }
  | { op: 'splice'; other: number; from: number; length: number; at: number }
  | { op: 'json_value'; nth: number; value: unknown }
  | { op: 'json_id'; key: string; value: string };

const ID_KEYS = [
  'conversation.id',
  'call_id',
  'turn.id',
  'thread_id',
  'gen_ai.conversation.id',
  'proofline.session.id',
];

/** Strings a hostile id is made of: controls, surrogate halves, bidi and zero-width marks, very long ones. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc
    .string({
      unit: fc.constantFrom(
        '\r',
        '\n',
        '\u0000',
        '\u0012',
        '\u007f',
        '\u0085',
        '\u202e',
        '\u200b',
        '\ud800',
        '\udfff',
        '/',
        '..',
        '%2e',
        'é',
        '𝕏',
      ),
      maxLength: 16,
    })
    .map((s) => `01a1fc63-${s}-b1ce`),
  fc.string({ minLength: 200, maxLength: 5000 }),
);

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostileText,
  fc.constantFrom(null, -1, 1e308, '18446744073709551616', '', [], {}),
);

function mutation(requests: number): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 4_000_000 });
  // Weighted towards mutations that keep a body decodable, so most cases reach normalization and the assembler.
  return fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({
      op: fc.constant('repeat' as const),
      at,
      length: fc.integer({ min: 1, max: 64 }),
      times: fc.integer({ min: 2, max: 50 }),
    }),
    fc.record({
      op: fc.constant('splice' as const),
      other: fc.nat({ max: requests - 1 }),
      from: at,
      length: fc.integer({ min: 1, max: 4096 }),
      at,
    }),
    {
      arbitrary: fc.record({
        op: fc.constant('json_value' as const),
        nth: fc.nat({ max: 10_000 }),
        value: jsonValue,
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        op: fc.constant('json_id' as const),
        key: fc.constantFrom(...ID_KEYS),
        value: hostileText,
      }),
      weight: 6,
    },
  );
}

export interface FuzzCase {
  request: number;
  mutations: Mutation[];
  /** Sent to another signal's path, or with another content type, now and then. */
  path: string | undefined;
  contentType: string | undefined;
}

/** `value` now and then (one case in `oneIn`), else nothing. */
function sometimes<T>(value: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: oneIn - 1 }, { arbitrary: value, weight: 1 });
}

export function fuzzCase(requests: number): fc.Arbitrary<FuzzCase> {
  return fc.record({
    request: fc.nat({ max: requests - 1 }),
    mutations: fc.array(mutation(requests), { minLength: 1, maxLength: 4 }),
    path: sometimes(fc.constantFrom('/v1/logs', '/v1/traces', '/v1/metrics', '/'), 8),
    contentType: sometimes(
      fc.constantFrom(
        'application/json',
        'application/x-protobuf',
        'application/x-protobuf; charset=utf-8',
        'text/plain',
      ),
      10,
    ),
  });
}

/** Every OTLP request the captures hold (the same ones `proofline demo` replays). */
export async function captureRequests(): Promise<OtlpRequest[]> {
  const requests: OtlpRequest[] = [];
  for (const name of await listScenarios()) requests.push(...(await loadScenario(name)).otlp);
  return requests;
}

export function mutate(
  requests: readonly OtlpRequest[],
  fuzz: FuzzCase,
): { path: string; contentType: string; body: Buffer } {
  const base = requests[fuzz.request]!;
  let body: Buffer = Buffer.from(base.body);
  for (const m of fuzz.mutations) body = apply(body, m, requests);
  return { path: fuzz.path ?? base.path, contentType: fuzz.contentType ?? base.contentType, body };
}

function apply(body: Buffer, m: Mutation, requests: readonly OtlpRequest[]): Buffer {
  const at =
    body.length === 0 ? 0 : m.op === 'json_value' || m.op === 'json_id' ? 0 : m.at % (body.length + 1);
  switch (m.op) {
    case 'flip': {
      if (body.length === 0) return body;
      const copy = Buffer.from(body);
      const index = at % body.length;
      copy[index] = copy[index]! ^ (1 << m.bit);
      return copy;
    }
    case 'truncate':
      return body.subarray(0, at);
    case 'delete':
      return Buffer.concat([body.subarray(0, at), body.subarray(at + m.length)]);
    case 'repeat': {
      const slice = body.subarray(at, at + m.length);
      return Buffer.concat([body.subarray(0, at), ...Array<Buffer>(m.times).fill(slice), body.subarray(at)]);
    }
    case 'splice': {
      const other = requests[m.other]!.body;
      const from = m.from % (other.length + 1);
      return Buffer.concat([body.subarray(0, at), other.subarray(from, from + m.length), body.subarray(at)]);
    }
    case 'json_value':
    case 'json_id':
      return mutateJson(body, m);
  }
}

/** Replaces the nth value (json_value) or every value under an id key (json_id) of a JSON body; a body that is
 * not JSON (protobuf, or already mangled) is left to the byte mutations. */
function mutateJson(body: Buffer, m: Extract<Mutation, { op: 'json_value' | 'json_id' }>): Buffer {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  let seen = 0;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) {
      return m.op === 'json_value' && seen++ === m.nth ? m.value : node;
    }
    const record = node as Record<string, unknown>;
    if (m.op === 'json_id' && record.key === m.key && typeof record.value === 'object')
      return { ...record, value: { stringValue: m.value } };
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, walk(v)]));
  };
  return Buffer.from(JSON.stringify(walk(document)));
}

/** Sends `runs` mutated requests to `url`, `concurrency` at a time, counting answers by status. Never throws for
 * an answer it dislikes: the tally says, with the case (and the seed reproduces the whole run). */
export async function fuzzPipeline(
  url: string,
  options: { runs: number; seed: number; concurrency?: number },
): Promise<FuzzTally> {
  const requests = await captureRequests();
  const cases = fc.sample(fuzzCase(requests.length), { numRuns: options.runs, seed: options.seed });
  const tally: FuzzTally = { requests: 0, byStatus: {}, failures: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < cases.length; index = next++) {
      const fuzz = cases[index]!;
      const { path, contentType, body } = mutate(requests, fuzz);
      let status: number | string;
      try {
        const response = await fetch(new URL(path, url), {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        status = `no answer: ${(error as Error).message}`;
      }
      tally.requests += 1;
      tally.byStatus[String(status)] = (tally.byStatus[String(status)] ?? 0) + 1;
      if (typeof status !== 'number' || !ALLOWED_STATUSES.has(status))
        tally.failures.push({ status, case: index, mutations: JSON.stringify(fuzz).slice(0, 500) });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return tally;
}
