// kill -9 of `proofline assemble --kafka` while the captures stream in, then a restart on the same data
// directory and group: the records it had read but not committed come again, and every action must still be
// bundled exactly once — no duplicate and no gap in any session chain, every seal covering its session.
import { setTimeout as delay } from 'node:timers/promises';

import { expect, it } from 'vitest';

import { actionProofs, freshDataDir } from '../e2e/support.js';
import {
  bundlesIn,
  expectSealsCover,
  failures,
  FIXTURE_ACTIONS,
  FIXTURE_SESSIONS,
  fixtureRequests,
  isSeal,
  observationsOnTopic,
  postAll,
  startAssembler,
  useBroker,
  startReceiversByPolicy,
  uncommittedRecords,
  verify,
  waitForSeals,
} from './support.js';

const broker = useBroker();

/** Bundles (actions and seals) written so far. */
async function bundleFileCount(dataDir: string): Promise<number> {
  return (await bundlesIn([dataDir])).length;
}

it('bundles every action exactly once across a kill -9 of the assembler and its restart', async () => {
  const dataDir = await freshDataDir('proofline-kafka-crash-');
  const group = 'crash';
  const { urlFor, receivers } = await startReceiversByPolicy(broker.bootstrap);
  const requests = await fixtureRequests();
  const half = Math.floor(requests.length / 2);

  const first = startAssembler(broker.bootstrap, group, dataDir);
  await postAll(urlFor, requests.slice(0, half));
  // Kill it once it has written something, while sessions are still open and offsets partly uncommitted.
  for (let i = 0; i < 200 && (await bundleFileCount(dataDir)) === 0; i++) await delay(50);
  await first.kill9();
  const writtenBeforeKill = await bundleFileCount(dataDir);
  expect(writtenBeforeKill).toBeGreaterThan(0);
  expect(writtenBeforeKill).toBeLessThan(FIXTURE_ACTIONS + FIXTURE_SESSIONS);
  // Records it had taken in but not committed (open sessions hold their offsets back): they come again.
  expect(await uncommittedRecords(broker.bootstrap, group)).toBeGreaterThan(0n);

  // The rest arrives while no assembler runs; the restarted one catches up on both halves.
  await postAll(urlFor, requests.slice(half));
  const second = startAssembler(broker.bootstrap, group, dataDir);
  const files = await waitForSeals([dataDir], FIXTURE_SESSIONS, [second, ...receivers.map((r) => r.proc)]);

  expect(files.filter(isSeal)).toHaveLength(FIXTURE_SESSIONS);
  const actions = actionProofs(files).map((p) => `${p.summary.session_id} ${p.summary.action_id}`);
  expect(actions).toHaveLength(FIXTURE_ACTIONS);
  expect(new Set(actions).size).toBe(FIXTURE_ACTIONS);
  expectSealsCover(files, await observationsOnTopic(broker.bootstrap));

  const { exitCode, report } = await verify([dataDir]);
  expect(failures(report)).toEqual([]);
  expect(exitCode).toBe(0);
}, 240_000);
