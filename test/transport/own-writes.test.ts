import { describe, expect, it } from 'vitest';

import { OwnWrites } from '../../transport/own-writes.js';

describe('OwnWrites', () => {
  it('holds exactly the committed seq ranges, consecutive ones merged, gaps left out', () => {
    const own = new OwnWrites();
    own.add(3n, 2); // 3, 4
    own.add(5n, 3); // 5, 6, 7
    own.add(10n, 1); // 10 (8 and 9 were written past the publisher)
    own.add(11n, 0);
    const held = Array.from({ length: 14 }, (_, seq) => seq).filter((seq) => own.has(BigInt(seq)));
    expect(held).toEqual([3, 4, 5, 6, 7, 10]);
  });
});
