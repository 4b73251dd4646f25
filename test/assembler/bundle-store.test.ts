// The bundle store over segments: crash healing (index rows and log leaves rebuilt from the segments), a
// record it cannot read never stops it, one writer per data directory, and wire ids never name a file.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { exportDataDir } from '../../assembler/export.js';
import { signerFromPrivateKey, signStatement } from '../../assembler/sign.js';
import {
  actionBundleFileName,
  SEAL_FILE_NAME,
  storageName,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { TransparencyLogError } from '../../assembler/errors.js';
import { listSegments } from '../../schemas/segment.js';
import { CHECKPOINT_FILE, LEAVES_FILE, TLOG_DIR } from '../../schemas/tlog.js';
import { rig, sessionFiles, type Rig } from './harness.js';
import { allowScenario, CALL_ID, deliveries, preToolUse, SESSIONS, TURNS } from './scenarios.js';

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

async function leaves(dataDir: string): Promise<string[]> {
  return (await readFile(join(dataDir, TLOG_DIR, LEAVES_FILE), 'utf8')).split('\n').filter(Boolean);
}

describe('bundle store', () => {
  it('takes over a writer lock left by a dead process on this host', async () => {
    const first = await open();
    await first.store.close();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(join(first.dataDir, 'writer.lock'), `${hostname()} ${dead}`);
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    await second.assembler.handle(deliveries(allowScenario()));
    expect((await second.assembler.flush()).bundled).toHaveLength(1);
  });

  it('rebuilds missing index rows from the segments', async () => {
    const first = await open();
    await first.assembler.handle(deliveries(allowScenario()));
    await first.assembler.flush();
    await first.store.close();
    // A fresh index (as after a crash between the segment write and the index rows) learns from the segments.
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    expect(await second.store.chain(SESSIONS.allow)).toHaveLength(1);
    expect(await second.store.seal(SESSIONS.allow)).not.toBeNull();
    const rows = await second.db.runAndReadAll(
      'SELECT b.action_id, s.count FROM bundle_index b JOIN seal_index s USING (session_id)',
    );
    expect(rows.getRowObjectsJson()).toEqual([{ action_id: CALL_ID, count: 1 }]);
    // …without adding the seal to the log a second time.
    expect(await leaves(second.dataDir)).toHaveLength(1);
  });

  it('a seal that reached its segment but not the log becomes a leaf on the next start', async () => {
    const first = await open();
    const tlog = join(first.dataDir, TLOG_DIR);
    const emptyCheckpoint = await readFile(join(tlog, CHECKPOINT_FILE));
    await first.assembler.handle(deliveries(allowScenario()));
    const [sealed] = (await first.assembler.flush()).sealed;
    await first.store.close();
    // The crash: the seal's segment write was durable, its leaf and the checkpoint over it never made it.
    await truncate(join(tlog, LEAVES_FILE), 0);
    await writeFile(join(tlog, CHECKPOINT_FILE), emptyCheckpoint);
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    expect(await leaves(second.dataDir)).toEqual([sealed!.digest]);
  });

  it('a seal someone else appended to a segment never becomes a leaf', async () => {
    const first = await open();
    await first.assembler.handle(deliveries(allowScenario()));
    const [sealed] = (await first.assembler.flush()).sealed;
    await first.store.close();
    const [segment] = await listSegments(first.dataDir);
    // Another seal of the session (another reason), signed by a key that is not this server's.
    const statement = JSON.parse(
      Buffer.from((JSON.parse(sealed!.text!) as { payload: string }).payload, 'base64').toString('utf8'),
    ) as Statement<SessionSeal>;
    statement.predicate.reason = 'idle_timeout';
    const forged = signStatement(
      statement,
      signerFromPrivateKey(
        generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
    );
    await appendFile(segment!.path, forged.fileText);
    // A restart reads every record again (a fresh index): the forged seal is indexed, not logged.
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    expect(await leaves(second.dataDir)).toEqual([sealed!.digest]);
  });

  it('refuses to sign over a log whose leaves were rewritten', async () => {
    const first = await open();
    await first.assembler.handle(deliveries(allowScenario()));
    await first.assembler.flush();
    await first.store.close();
    await writeFile(join(first.dataDir, TLOG_DIR, LEAVES_FILE), `${'ab'.repeat(32)}\n`);
    await expect(open({ dataDir: first.dataDir, keyDir: first.keyDir })).rejects.toBeInstanceOf(
      TransparencyLogError,
    );
  });

  it('cuts a record a crash left half-written, and carries on', async () => {
    const first = await open();
    await first.assembler.handle(deliveries(allowScenario()));
    await first.assembler.flush();
    await first.store.close();
    const [segment] = await listSegments(first.dataDir);
    await appendFile(segment!.path, '{"payloadType":"application/vnd.in-to');
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    expect((await readFile(segment!.path, 'utf8')).endsWith('\n')).toBe(true);
    expect(await second.store.seal(SESSIONS.allow)).not.toBeNull();
  });

  it('a record it cannot read is left for the verifier and does not stop the store', async () => {
    const first = await open();
    await first.store.close();
    const [segment] = await listSegments(first.dataDir);
    await appendFile(segment!.path, '{"not":"an envelope"}\n[[[[[[[[[[\n');
    const second = await open({ dataDir: first.dataDir, keyDir: first.keyDir });
    await second.assembler.handle(deliveries(allowScenario()));
    expect((await second.assembler.flush()).sealed).toHaveLength(1);
  });
});

describe('ids from the wire never name a file (issue 14)', () => {
  it('two session ids that differ only in a control character are stored apart, and a clean one after them is sealed', async () => {
    const r = await open();
    const clean = SESSIONS.allow;
    // The old sanitizer mapped all three to one folder (`<id>_`).
    const twins = [`${clean}\u0001`, `${clean}\u0002`, `${clean}_`];
    for (const id of twins)
      await r.assembler.handle(deliveries(preToolUse({ session: id, turn: TURNS.allow }, 'allow')));
    await r.assembler.flush();
    for (const id of twins)
      expect(await sessionFiles(r.dataDir, id), JSON.stringify(id)).toContain(SEAL_FILE_NAME);
    // A later, clean session is bundled and sealed as usual.
    await r.assembler.handle(deliveries(allowScenario()));
    const report = await r.assembler.flush();
    expect(report.bundled.map((b) => b.sessionId)).toEqual([clean]);
    expect(report.sealed.map((s) => s.sessionId)).toEqual([clean]);
    // Exported, each session has a folder of its own.
    await r.store.close();
    const out = join(await mkdtemp(join(tmpdir(), 'proofline-export-')), 'out');
    await exportDataDir(r.dataDir, out);
    const folders = (await readdir(join(out, 'bundles'))).sort();
    expect(folders).toEqual([...twins, clean].map(storageName).sort());
    expect(new Set(folders).size).toBe(4);
    expect(await readdir(join(out, 'bundles', storageName(clean)))).toEqual(
      expect.arrayContaining([actionBundleFileName(0, CALL_ID), SEAL_FILE_NAME]),
    );
  });
});
