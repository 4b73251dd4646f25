// Sessions that stay open while `proofline assemble --kafka` processes join and leave their consumer group:
// one assembler, then a second and a third (each rebalance moves partitions, and with them open sessions whose
// actions are partly bundled), then one of them stopped (SIGTERM) or killed (SIGKILL), then the sessions end.
// Whatever moved, every action must be bundled once and every session sealed once across all data directories
// and the bundles topic, with each chain continuing where the previous owner left it.
import { expect } from 'vitest';

import type { ActionProof, DsseEnvelope, SessionSeal } from '../../schemas/bundle.js';
import { DEFAULT_TOPICS } from '../../schemas/topics.js';
import { createKafkaTransport } from '../../transport/kafka.js';
import { GuardedSession } from '../assembler/guarded-session.js';
import { freshDataDir, sessionOf, type BundleFile } from '../e2e/support.js';
import { quietLogger } from '../kafka/kafka-helpers.js';
import type { TestBroker } from '../kafka/broker.js';
import {
  bundlesIn,
  failures,
  isSeal,
  readTopic,
  startAssembler,
  verify,
  waitForGroup,
  waitForSeals,
  type ProoflineProcess,
} from './support.js';

const SESSIONS = 12;
/** Long enough that no session is sealed for idleness while the test runs: they end with session_end. */
const IDLE_TIMEOUT_MS = 600_000;

/** Polls until the directories hold `count` action bundles; fails at once if one of `procs` exits. */
async function waitForActions(
  dirs: readonly string[],
  count: number,
  procs: readonly ProoflineProcess[],
): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const actions = (await bundlesIn(dirs)).filter((f) => f.kind === 'action').length;
    if (actions >= count) return;
    const exited = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (exited) throw new Error(`an assembler exited:\n${exited.log()}`);
    if (Date.now() > deadline)
      throw new Error(
        `${actions} of ${count} actions bundled; logs:\n${procs.map((p) => p.log()).join('\n---\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function scaleOutAndLoseOne(broker: TestBroker, loss: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const bootstrap = broker.bootstrap;
  const group = `handover-${loss.toLowerCase()}`;
  // Each assembler with a key of its own: the verifier takes every directory's keys.
  const dirs = [
    await freshDataDir('proofline-handover-a-'),
    await freshDataDir('proofline-handover-b-'),
    await freshDataDir('proofline-handover-c-'),
  ];
  const transport = createKafkaTransport({ brokers: [bootstrap], logger: quietLogger });
  const sessions = Array.from(
    { length: SESSIONS },
    (_, i) => new GuardedSession(`handover-${loss}-${i}`, '2026-01-01T00:00:00Z'),
  );
  let minute = 0;
  let expected = 0;
  const live: ProoflineProcess[] = [];
  /** `calls` more allowed calls in every session (the sessions stay open). */
  const send = async (calls: number): Promise<void> => {
    const records = sessions.flatMap((session) => {
      const before = session.records.length;
      for (let i = 0; i < calls; i++) session.call(`call-${(minute += 1)}`, minute);
      return session.records.slice(before);
    });
    await transport.publisher.publish(records);
    expected += SESSIONS * calls;
  };
  /** The same, then waits until all are bundled. */
  const phase = async (calls: number): Promise<void> => {
    await send(calls);
    await waitForActions(dirs, expected, live);
  };
  const join = async (dir: string): Promise<ProoflineProcess> => {
    const proc = startAssembler(bootstrap, group, dir, IDLE_TIMEOUT_MS);
    live.push(proc);
    await Promise.race([
      waitForGroup(bootstrap, group, live.length),
      proc.exited.then((code) => {
        throw new Error(`an assembler exited (${code}) before joining:\n${proc.log()}`);
      }),
    ]);
    return proc;
  };

  try {
    await join(dirs[0]!);
    await phase(3);
    const second = await join(dirs[1]!);
    await phase(2);
    await join(dirs[2]!);
    await phase(1);

    live.splice(live.indexOf(second), 1);
    if (loss === 'SIGTERM') await second.stop();
    else {
      // Killed while the assemblers bundle a new call in every session: wherever in a step it dies (before its
      // state is on Kafka, between that and its write, after), the others go on without a gap or a double.
      const before = expected;
      await send(1);
      await waitForActions(dirs, before + 1, [...live, second]);
      await second.kill9();
    }
    await waitForGroup(bootstrap, group, live.length);
    await waitForActions(dirs, expected, live);
    await phase(1);

    await transport.publisher.publish(
      sessions.flatMap((session) => session.end((minute += 1)).records.slice(-1)),
    );
    const files = await waitForSeals(dirs, SESSIONS, live);
    await expectEachOnce(files, dirs, sessions.length, expected / SESSIONS);
    await expectBundlesTopicOnce(bootstrap, sessions.length, expected);

    const { exitCode, report } = await verify(dirs);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
  } finally {
    await Promise.all(live.map((p) => p.stop()));
    await transport.close();
  }
}

async function expectEachOnce(
  files: readonly BundleFile[],
  dirs: readonly string[],
  sessions: number,
  actionsPerSession: number,
): Promise<void> {
  // A record may be in two directories (the next owner writes what a killed one had handed over), byte for byte.
  const distinct = [...new Map(files.map((f) => [f.text, f])).values()];
  const seals = distinct.filter(isSeal).map((f) => f.statement.predicate as SessionSeal);
  expect(seals).toHaveLength(sessions);
  expect(new Set(seals.map((s) => s.session_id)).size).toBe(sessions);
  for (const seal of seals) expect(seal.count).toBe(actionsPerSession);
  // Records redelivered to a new owner were counted by the one that read them first: none is late.
  expect(seals.map((s) => s.late_records ?? 0)).toEqual(seals.map(() => 0));

  const actions = distinct
    .filter((f) => f.kind === 'action')
    .map((f) => f.statement.predicate as ActionProof)
    .map((p) => `${p.summary.session_id} ${p.summary.action_id}`);
  expect(actions).toHaveLength(sessions * actionsPerSession);
  expect(new Set(actions).size).toBe(sessions * actionsPerSession);

  // The point of the exercise: sessions moved while open, so some chains run through two directories.
  const dirsOf = new Map<string, Set<string>>();
  for (const file of files) {
    const dir = dirs.find((d) => file.path.startsWith(`${d}/`))!;
    const set = dirsOf.get(sessionOf(file)) ?? new Set<string>();
    dirsOf.set(sessionOf(file), set.add(dir));
  }
  expect([...dirsOf.values()].filter((set) => set.size > 1).length).toBeGreaterThan(0);
}

/** On the bundles topic a bundle may come twice (an outbox resends what it cannot know was taken), but never
 * two different bundles for one action or two seals for one session. */
async function expectBundlesTopicOnce(brokers: string, sessions: number, actions: number): Promise<void> {
  const digests = new Map<string, Set<string>>();
  for (const record of await readTopic(brokers, DEFAULT_TOPICS.bundles)) {
    const envelope = JSON.parse(record.value!.toString('utf8')) as DsseEnvelope;
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicate: ActionProof | SessionSeal;
    };
    const key =
      'summary' in statement.predicate
        ? `${statement.predicate.summary.session_id} ${statement.predicate.summary.action_id}`
        : `${statement.predicate.session_id} seal`;
    digests.set(key, (digests.get(key) ?? new Set()).add(envelope.payload));
  }
  expect([...digests.keys()].filter((k) => k.endsWith(' seal'))).toHaveLength(sessions);
  expect(digests.size).toBe(sessions + actions);
  expect([...digests.entries()].filter(([, set]) => set.size > 1)).toEqual([]);
}
