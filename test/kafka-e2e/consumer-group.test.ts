// Two `proofline assemble --kafka` processes in one consumer group, each with its own data directory: the
// observation partitions are split between them (sessions are keyed, so each session goes to one), both
// bundle some sessions, and together they bundle every session exactly once with intact chains.
import { expect, it } from 'vitest';

import { actionProofs, sessionOf } from '../e2e/support.js';
import {
  dataDirWithKeys,
  expectSealsCover,
  failures,
  FIXTURE_ACTIONS,
  FIXTURE_SESSIONS,
  fixtureRequests,
  isSeal,
  observationsOnTopic,
  postAll,
  signingKeys,
  startAssembler,
  useBroker,
  startReceiversByPolicy,
  verify,
  waitForGroup,
  waitForSeals,
} from './support.js';

const broker = useBroker();

it('shares the partitions between two assemblers, which together bundle every session once', async () => {
  const group = 'pair';
  // One signing key in both directories, so the verifier can take them together under one trusted key set.
  const keys = await signingKeys();
  const dirs = [await dataDirWithKeys(keys.keyDir), await dataDirWithKeys(keys.keyDir)];
  const assemblers = dirs.map((dir) => startAssembler(broker.bootstrap, group, dir));
  // Both members own partitions before the first record: no rebalance moves a session mid-stream.
  await waitForGroup(broker.bootstrap, group, 2);
  const { urlFor, receivers } = await startReceiversByPolicy(broker.bootstrap);
  await postAll(urlFor, await fixtureRequests());

  const procs = [...assemblers, ...receivers.map((r) => r.proc)];
  const files = await waitForSeals(dirs, FIXTURE_SESSIONS, procs);
  const sessionsOf = (dir: string) =>
    new Set(files.filter((f) => f.path.startsWith(`${dir}/`)).map(sessionOf));
  const [first, second] = dirs.map(sessionsOf);
  expect(first!.size, 'first assembler bundled nothing').toBeGreaterThan(0);
  expect(second!.size, 'second assembler bundled nothing').toBeGreaterThan(0);
  expect(
    [...first!].filter((s) => second!.has(s)),
    'sessions bundled by both',
  ).toEqual([]);
  expect(first!.size + second!.size).toBe(FIXTURE_SESSIONS);

  expect(files.filter(isSeal)).toHaveLength(FIXTURE_SESSIONS);
  const actions = actionProofs(files).map((p) => `${p.summary.session_id} ${p.summary.action_id}`);
  expect(actions).toHaveLength(FIXTURE_ACTIONS);
  expect(new Set(actions).size).toBe(FIXTURE_ACTIONS);
  expectSealsCover(files, await observationsOnTopic(broker.bootstrap));

  // Both directories at once: a session split over them, or in both, would break its chain or seal.
  const { exitCode, report } = await verify(dirs, keys.publicKeys);
  expect(failures(report)).toEqual([]);
  expect(exitCode).toBe(0);
}, 240_000);
