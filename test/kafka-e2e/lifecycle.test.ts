// `serve --kafka` with the broker gone ends on SIGTERM within 10 s (it used to ignore it), and an observation
// larger than the broker takes is refused with a non-retryable 413 instead of an endless 503.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { expect, it } from 'vitest';

import { freshDataDir } from '../e2e/support.js';
import { freePort } from '../kafka/broker.js';
import { spawnProofline, startListening, useBroker } from './support.js';

const broker = useBroker();

/** Smaller than the broker's own limit, so the refusal is proofline's, before anything is sent. */
const RECORD_LIMIT = 100_000;

/** A hook call whose prompt (kept as redacted text with --store-content) makes a record of about `bytes`. */
function promptOf(bytes: number): string {
  return JSON.stringify({
    hook: {
      hook_event_name: 'UserPromptSubmit',
      session_id: '01a1fc63-0000-7000-8000-00000000bead',
      turn_id: '01a1fc63-0000-7000-8000-00000000beef',
      prompt: 'lorem ipsum '.repeat(Math.ceil(bytes / 12)),
    },
  });
}

it('an observation larger than the broker takes: 413, not a retry; a normal one still 200', async () => {
  const data = await freshDataDir('proofline-kafka-lifecycle-');
  const serve = await startListening([
    'serve',
    '--kafka',
    broker.bootstrap,
    '--topic-prefix',
    'lifecycle-413',
    '--group',
    'lifecycle-413',
    '--data',
    join(data, 'data'),
    '--store-content',
    '--max-record-bytes',
    String(RECORD_LIMIT),
  ]);
  try {
    const post = (body: string) =>
      fetch(`${serve.url}/v1/guard`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const huge = await post(promptOf(4 * RECORD_LIMIT));
    expect(huge.status).toBe(413);
    expect(huge.headers.get('retry-after')).toBeNull();
    expect(((await huge.json()) as { reason: string }).reason).toMatch(
      /exceeds the transport's record limit/,
    );
    expect((await post(promptOf(1000))).status).toBe(200);
  } finally {
    await serve.proc.stop();
  }
});

it('with the broker gone, SIGTERM still ends serve --kafka within 10 s', async () => {
  const data = await freshDataDir('proofline-kafka-lifecycle-');
  const serve = await startListening([
    'serve',
    '--kafka',
    broker.bootstrap,
    '--topic-prefix',
    'lifecycle-term',
    '--group',
    'lifecycle-term',
    '--data',
    join(data, 'data'),
  ]);
  await broker.stop();
  try {
    // Something in flight against the missing broker: a hook call that cannot be recorded (503).
    const refused = await fetch(`${serve.url}/v1/guard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: promptOf(100),
    });
    expect(refused.status).toBe(503);
    serve.proc.child.kill('SIGTERM');
    const ended = await Promise.race([serve.proc.exited.then(() => true), delay(10_000).then(() => false)]);
    expect(ended).toBe(true);
  } finally {
    await serve.proc.kill9();
    await broker.start();
  }
});

it('an assembler serves /healthz, /readyz and /metrics on its status port', async () => {
  const data = await freshDataDir('proofline-kafka-lifecycle-');
  const port = await freePort();
  const assembler = spawnProofline([
    'assemble',
    ...['--kafka', broker.bootstrap, '--topic-prefix', 'lifecycle-status', '--group', 'lifecycle-status'],
    ...['--data', join(data, 'data'), '--status-port', String(port)],
  ]);
  try {
    const url = `http://127.0.0.1:${port}`;
    let ready: Response | undefined;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await fetch(`${url}/readyz`).catch(() => undefined);
      if (!ready) await delay(100);
    }
    expect(ready?.status, assembler.log()).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^proofline_sessions_open 0$/m);
    expect(metrics).toMatch(/^proofline_outbox_pending_records 0$/m);
    expect(metrics).toMatch(/^proofline_ready 1$/m);
  } finally {
    await assembler.stop();
  }
});
