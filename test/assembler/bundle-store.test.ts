import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { BundleStoreCorruptError } from '../../assembler/errors.js';
import { actionBundleFileName } from '../../schemas/bundle.js';
import { rig, type Rig } from './harness.js';
import { allowScenario, CALL_ID, deliveries, SESSIONS } from './scenarios.js';

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.reverse()) await r.close();
  rigs.length = 0;
});
async function open(shared: { dataDir?: string; keyDir?: string } = {}): Promise<Rig> {
  const r = await rig(shared);
  rigs.push(r);
  return r;
}

describe('bundle store', () => {
  it('takes over a lock left by a dead process on this host', async () => {
    const r = await open();
    const dir = r.store.sessionDir(SESSIONS.allow);
    await mkdir(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(join(dir, '.lock'), `${hostname()} ${dead}`);
    await r.assembler.handle(deliveries(allowScenario()));
    expect((await r.assembler.flush()).bundled).toHaveLength(1);
  });

  it('rebuilds missing index rows from the files', async () => {
    const first = await open();
    await first.assembler.handle(deliveries(allowScenario()));
    await first.assembler.flush();
    // A fresh index (as after a crash between the file write and the row insert) learns from the files.
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    expect(
      (await second.db.runAndReadAll('SELECT count(*)::INTEGER AS n FROM bundle_index')).getRowObjectsJson(),
    ).toEqual([{ n: 0 }]);
    expect(await second.store.chain(SESSIONS.allow)).toHaveLength(1);
    expect(await second.store.seal(SESSIONS.allow)).not.toBeNull();
    const rows = await second.db.runAndReadAll(
      'SELECT b.action_id, s.count FROM bundle_index b JOIN seal_index s USING (session_id)',
    );
    expect(rows.getRowObjectsJson()).toEqual([{ action_id: CALL_ID, count: 1 }]);
  });

  it('refuses a bundle file whose manifest does not match its name', async () => {
    const r = await open();
    await r.assembler.handle(deliveries(allowScenario()));
    const [bundle] = (await r.assembler.flush()).bundled;
    await writeFile(
      join(r.store.sessionDir(SESSIONS.allow), actionBundleFileName(1, 'call_x')),
      await readFile(bundle!.path),
    );
    const reopened = await open({ dataDir: r.dataDir, keyDir: r.keyDir });
    await expect(reopened.store.chain(SESSIONS.allow)).rejects.toBeInstanceOf(BundleStoreCorruptError);
  });
});
