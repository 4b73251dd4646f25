// A segment of garbage costs a bounded number of rows: the verifier reports the first 1,000 records that are
// not bundles one by one, says the rest was not read, and reads no further, however the records before are
// verified (several at a time, verifier/load.ts), while bundles before the garbage load as usual.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { makeDataDir, verifyJson } from './fixtures.js';

describe('a segment of records that are not bundles', () => {
  it('reports the first 1,000 one by one, then one row for the rest, and reads no further', async () => {
    const { dir, sessions } = await makeDataDir();
    const bundle = JSON.stringify(sessions[0]!.actions[0]!.envelope);
    const segment = join(dir, 'segments', '000001.jsonl');
    await mkdir(join(dir, 'segments'));
    // Line 1 a bundle, lines 2–1101 garbage, line 1102 a bundle again.
    await writeFile(
      segment,
      [bundle, ...Array.from({ length: 1100 }, (_, i) => `garbage ${i}`), bundle, ''].join('\n'),
    );

    const r = await verifyJson({ paths: [dir] });
    const inSegment = r.checks.filter((c) => c.file?.startsWith(`${segment}:`));
    const line = (file: string | null): number => Number(file!.slice(segment.length + 1));

    expect(inSegment.filter((c) => line(c.file) === 1 && c.check_name === 'signature')).toMatchObject([
      { status: 'pass' },
    ]);
    const unreadable = inSegment.filter((c) => c.check_name === 'envelope_format' && c.status === 'fail');
    expect(unreadable.map((c) => line(c.file)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1001 }, (_, i) => i + 2),
    );
    expect(unreadable.filter((c) => c.detail.startsWith('more than'))).toMatchObject([
      {
        file: `${segment}:1002`,
        detail: `more than 1000 records that are not bundles: the rest of ${segment} was not read`,
      },
    ]);
    expect(Math.max(...inSegment.map((c) => line(c.file)))).toBe(1002);
  });
});
