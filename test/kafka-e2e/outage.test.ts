// The broker stops in the middle of a replay into `proofline ingest --kafka`: the receiver must refuse with
// 503 + Retry-After (the OTLP retry contract) rather than answer 200 for what Kafka did not take, everything
// it did answer 200 for must survive, and once the broker is back the client's retries go through and every
// session is bundled by the `proofline assemble --kafka` that ran throughout, and verifies.
import { setTimeout as delay } from 'node:timers/promises';

import { expect, it } from 'vitest';

import { listScenarios } from '../../service/replay.js';
import { freshDataDir } from '../e2e/support.js';
import {
  expectOnTopic,
  expectSealsCover,
  failures,
  FIXTURE_ACTIONS,
  FIXTURE_SESSIONS,
  fixtureRequests,
  isSeal,
  observationsOnTopic,
  post,
  startAssembler,
  useBroker,
  startReceiversByPolicy,
  verify,
  waitForSeals,
  type FixtureRequest,
} from './support.js';

const broker = useBroker();

/** Attempts of one request the client makes before giving up (Retry-After apart). */
const ATTEMPTS = 12;

it('refuses with 503 + Retry-After while the broker is down, loses nothing acknowledged, then bundles everything', async () => {
  const dataDir = await freshDataDir('proofline-kafka-outage-');
  const assembler = startAssembler(broker.bootstrap, 'outage', dataDir);
  const { urlFor, receivers } = await startReceiversByPolicy(broker.bootstrap);
  const requests = await fixtureRequests();
  // The broker goes at the start of a capture a third of the way in: the sessions before it are complete
  // and settle, seal and publish their bundles while it is away; the stalled one has no record yet, so no
  // timer of the assembler can seal it early however long the outage lasts.
  const scenarios = await listScenarios();
  const stopAt = requests.findIndex((r) => r.scenario === scenarios[Math.floor(scenarios.length / 3)]);

  const acknowledged: FixtureRequest[] = [];
  const refusals: { label: string; retryAfter: string | null }[] = [];
  let restarted: Promise<void> | undefined;
  for (const [i, request] of requests.entries()) {
    if (i === stopAt) await broker.stop();
    // The client retries in place, as an exporter or a blocked hook does: the same request until it is taken.
    for (let attempt = 1; ; attempt++) {
      const { status, retryAfter } = await post(urlFor(request), request);
      if (status === 200) break;
      expect(status, request.label).toBe(503);
      refusals.push({ label: request.label, retryAfter });
      if (attempt === ATTEMPTS) throw new Error(`${request.label} still refused after ${attempt} attempts`);
      // Refused while down; the broker comes back after the second refusal, behind the client's back.
      if (refusals.length === 2) restarted = broker.start();
      await delay(Number(retryAfter) * 1000);
    }
    acknowledged.push(request);
  }
  await restarted;

  expect(refusals.length).toBeGreaterThanOrEqual(2);
  for (const { label, retryAfter } of refusals) expect(Number(retryAfter), label).toBeGreaterThan(0);

  const files = await waitForSeals([dataDir], FIXTURE_SESSIONS, [assembler, ...receivers.map((r) => r.proc)]);
  expect(files.filter(isSeal)).toHaveLength(FIXTURE_SESSIONS);
  expect(files.filter((f) => !isSeal(f))).toHaveLength(FIXTURE_ACTIONS);

  // Every observation of every acknowledged request is on the topic, and each seal covers its session's.
  const onTopic = await observationsOnTopic(broker.bootstrap);
  for (const request of acknowledged) expectOnTopic(request, onTopic);
  expectSealsCover(files, onTopic);

  const { exitCode, report } = await verify([dataDir]);
  expect(failures(report)).toEqual([]);
  expect(exitCode).toBe(0);
  // It rode out the outage: the same process is still running.
  expect(assembler.child.exitCode).toBeNull();
}, 240_000);
