// The handover topic is input from the network: a record that does not validate is refused with a reason,
// never trusted and never a crash (schemas/handover.ts).
import { describe, expect, it } from 'vitest';

import {
  HANDOVER_SCHEMA,
  InvalidHandoverError,
  ownerKey,
  parseHandoverRecord,
  sessionKey,
} from '../../schemas/handover.js';

const DIGEST = 'a'.repeat(64);
const valid = {
  schema: HANDOVER_SCHEMA,
  type: 'session',
  group: 'g',
  session_id: 's1',
  chain: [{ action_id: 'call-1', digest: DIGEST }],
  sealed: null,
  late_records: 0,
  read_offset: '42',
  envelopes: [],
};
const parse = (key: string | null, value: unknown) =>
  parseHandoverRecord(
    key,
    value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  );

describe('handover records', () => {
  it('reads a session state and an owner marker', () => {
    expect(parse(sessionKey('g', 's1'), valid)).toEqual(valid);
    const owner = { schema: HANDOVER_SCHEMA, type: 'owner', group: 'g', member: 'm-1', state: 'released' };
    expect(parse(ownerKey('g'), owner)).toEqual(owner);
  });

  it.each([
    ['no value (a tombstone)', sessionKey('g', 's1'), null, /without key or value/],
    ['not JSON', sessionKey('g', 's1'), '{', /not JSON/],
    ['another session under this key', sessionKey('g', 's2'), valid, /not the key of the session/],
    ["another group's key", sessionKey('h', 's1'), valid, /not the key of the session/],
    ['a session under the owner key', ownerKey('g'), valid, /not the key of the session/],
    [
      "an owner marker under another group's key",
      ownerKey('h'),
      { schema: HANDOVER_SCHEMA, type: 'owner', group: 'g', member: 'm', state: 'claimed' },
      /not the owner key/,
    ],
    ['an unknown type', sessionKey('g', 's1'), { ...valid, type: 'admin' }, /unknown record type/],
    [
      'a digest that is not sha256 hex',
      sessionKey('g', 's1'),
      { ...valid, chain: [{ action_id: 'a', digest: 'x' }] },
      /pattern/,
    ],
    ['a sealed session with a chain', sessionKey('g', 's1'), { ...valid, sealed: DIGEST }, /no chain/],
    [
      'an action twice',
      sessionKey('g', 's1'),
      { ...valid, chain: [valid.chain[0], valid.chain[0]] },
      /twice/,
    ],
    ['an extra field', sessionKey('g', 's1'), { ...valid, trusted: true }, /additional properties/],
    [
      'an envelope that is not a string',
      sessionKey('g', 's1'),
      { ...valid, envelopes: [{}] },
      /must be string/,
    ],
    ['a negative late count', sessionKey('g', 's1'), { ...valid, late_records: -1 }, />= 0/],
    [
      'an offset beyond int64 digits',
      sessionKey('g', 's1'),
      { ...valid, read_offset: '9'.repeat(20) },
      /pattern/,
    ],
    [
      'a control character in an id',
      sessionKey('g', 's\u0001'),
      { ...valid, session_id: 's\u0001' },
      /control character/,
    ],
    [
      'an unknown owner state',
      ownerKey('g'),
      { schema: HANDOVER_SCHEMA, type: 'owner', group: 'g', member: 'm', state: 'mine' },
      /allowed values/,
    ],
  ])('refuses %s', (_what, key, value, reason) => {
    let error: unknown;
    try {
      parse(key, value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidHandoverError);
    expect((error as Error).message).toMatch(reason);
  });
});
