// Records on proofline.observations that are not Observations (written there by something other than a
// proofline receiver) must not stop `proofline assemble --kafka`: each goes to the dead-letter topic with the
// reason in a header, and the records after it — on the same partition — are bundled as usual.
import { Partitioners } from 'kafkajs';
import { expect, it } from 'vitest';

import { DLQ_REASON_HEADER, DLQ_SOURCE_HEADER } from '../../transport/kafka-subscriber.js';
import { DEFAULT_TOPICS } from '../../schemas/topics.js';
import { actionProofs, freshDataDir } from '../e2e/support.js';
import {
  failures,
  FIXTURE_ACTIONS,
  FIXTURE_SESSIONS,
  fixtureRequests,
  isSeal,
  kafkaClient,
  postAll,
  readTopic,
  startAssembler,
  useBroker,
  startReceiversByPolicy,
  verify,
  waitForGroup,
  waitForSeals,
} from './support.js';

const broker = useBroker();

/** binary_allow's session: the poison is keyed like its records, so it sits on their partition, before them. */
const SESSION = '01a1fc63-1dbb-75c3-a7f6-f2523a92b240';

const POISON: { value: string | null; reason: RegExp }[] = [
  { value: 'not json {', reason: /^not JSON/ },
  { value: JSON.stringify({ schema: 'someone-else/v1', id: 'x' }), reason: /^schema is not / },
  { value: null, reason: /^record has no value$/ },
];

it('dead-letters records that are not Observations, with the reason, and bundles the records after them', async () => {
  const dataDir = await freshDataDir('proofline-kafka-poison-');
  const assembler = startAssembler(broker.bootstrap, 'poison', dataDir);
  // The assembler creates the topics and has joined before the poison is written.
  await waitForGroup(broker.bootstrap, 'poison', 1);

  const producer = kafkaClient(broker.bootstrap).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const written = await producer.send({
    topic: DEFAULT_TOPICS.observations,
    acks: -1,
    messages: POISON.map(({ value }) => ({ key: SESSION, value })),
  });
  await producer.disconnect();
  const { partition, baseOffset } = written[0]!;
  const poisonOffsets = POISON.map((_, i) => (BigInt(baseOffset!) + BigInt(i)).toString());

  const { urlFor, receivers } = await startReceiversByPolicy(broker.bootstrap);
  await postAll(urlFor, await fixtureRequests());
  const files = await waitForSeals([dataDir], FIXTURE_SESSIONS, [assembler, ...receivers.map((r) => r.proc)]);

  // Each poison record once in the dead-letter topic, where it came from and why.
  const deadLetters = await readTopic(broker.bootstrap, DEFAULT_TOPICS.deadLetters);
  expect(deadLetters).toHaveLength(POISON.length);
  for (const [i, { value, reason }] of POISON.entries()) {
    const source = `${DEFAULT_TOPICS.observations}/${partition}/${poisonOffsets[i]}`;
    const letter = deadLetters.find((d) => d.headers[DLQ_SOURCE_HEADER] === source);
    expect(letter, `no dead letter from ${source}`).toBeDefined();
    expect(letter!.headers[DLQ_REASON_HEADER]).toMatch(reason);
    expect(letter!.value?.toString('utf8') ?? null).toBe(value);
    expect(letter!.key).toBe(SESSION);
  }

  // The session behind the poison is on the same partition, after it, and bundled like every other.
  const observations = await readTopic(broker.bootstrap, DEFAULT_TOPICS.observations);
  const sessionRecords = observations.filter(
    (r) => r.key === SESSION && !(r.partition === partition && poisonOffsets.includes(r.offset)),
  );
  expect(sessionRecords.length).toBeGreaterThan(0);
  for (const record of sessionRecords) {
    expect(record.partition).toBe(partition);
    expect(BigInt(record.offset)).toBeGreaterThan(BigInt(poisonOffsets.at(-1)!));
  }
  expect(actionProofs(files).filter((p) => p.summary.session_id === SESSION)).toHaveLength(1);
  expect(files.filter(isSeal)).toHaveLength(FIXTURE_SESSIONS);
  expect(actionProofs(files)).toHaveLength(FIXTURE_ACTIONS);

  const { exitCode, report } = await verify([dataDir]);
  expect(failures(report)).toEqual([]);
  expect(exitCode).toBe(0);
}, 240_000);
