import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { EXIT_CODES, VerifierError } from '../../verifier/errors.js';
import { failures, makeDataDir, standardSessions, verify, verifyJson } from './fixtures.js';
import { generateSigningKey, writeKeySet } from './make-bundles.js';

function bundlePath(dir: string, session: string, file: string): string {
  return join(dir, 'bundles', session, file);
}

describe('proofline verify on a valid data directory', () => {
  it('passes every check and exits 0', async () => {
    const { dir } = await makeDataDir();
    const r = await verifyJson({ paths: [dir] });
    expect(failures(r)).toEqual([]);
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.result).toBe('pass');
    // 4 action bundles × (11 checks + location), 2 seals × (4 file checks + location), 2 sessions × 2 session
    // checks, the log's consistency, and each session's seal in the log.
    expect(r.checks).toHaveLength(48 + 10 + 4 + 1 + 2);
    expect(r.checks.every((c) => c.status === 'pass')).toBe(true);
  });

  it('reports completeness per family, per session and overall, recomputed from receipts', async () => {
    const { dir } = await makeDataDir();
    const r = await verifyJson({ paths: [dir] });
    expect(r.completeness.overall).toEqual({
      actions: 4,
      mean_rho: 0.9,
      complete_actions: 3,
      complete_share: 0.75,
      unverifiable: 0,
    });
    expect(r.completeness.by_family).toEqual([
      {
        runtime_family: 'managed_platform',
        actions: 1,
        mean_rho: 1,
        complete_actions: 1,
        complete_share: 1,
        unverifiable: 0,
      },
      {
        runtime_family: 'tool_hook',
        actions: 3,
        mean_rho: 0.866667,
        complete_actions: 2,
        complete_share: 0.666667,
        unverifiable: 0,
      },
    ]);
    expect(r.completeness.by_session.map((s) => [s.session_id, s.mean_rho])).toEqual([
      ['s1', 0.866667],
      ['s2', 1],
    ]);
  });

  it('warns on stderr when it trusts the data directory’s own keys, and not with --keys', async () => {
    const { dir, key } = await makeDataDir();
    const defaulted = await verify({ paths: [dir] });
    expect(defaulted.stderr).toMatch(/warning: trusting .*public-keys\.json/);
    const keysFile = join(dir, 'independent-keys.json');
    await writeKeySet(keysFile, key);
    const explicit = await verify({ paths: [dir], keys: keysFile });
    expect(explicit.stderr).toBe('');
    expect(explicit.code).toBe(EXIT_CODES.ok);
  });

  it('accepts individual bundle files', async () => {
    const { dir } = await makeDataDir();
    const r = await verifyJson({
      paths: [bundlePath(dir, 's2', '000000-b1.dsse.json'), bundlePath(dir, 's2', 'seal.dsse.json')],
    });
    expect(failures(r)).toEqual([]);
    expect(r.completeness.overall.actions).toBe(1);
  });

  it('prints a readable text report', async () => {
    const { dir } = await makeDataDir();
    const { stdout, code } = await verify({ paths: [dir], format: 'text' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/│ session_seal\s+│ 2\s+│ 0\s+│ 0\s+│/);
    expect(stdout).toContain('Overall: mean ρ 0.9, 3/4 actions complete (0.75)');
    expect(stdout).toContain('PASS (exit 0)');
  });
});

describe('--min-completeness', () => {
  it('exits 0 at the measured value and 3 above it', async () => {
    const { dir } = await makeDataDir();
    expect((await verify({ paths: [dir], minCompleteness: 0.9 })).code).toBe(EXIT_CODES.ok);
    const above = await verifyJson({ paths: [dir], minCompleteness: 0.95 });
    expect(above.code).toBe(EXIT_CODES.belowThreshold);
    expect(above.result).toBe('below_threshold');
  });

  it('lets a check failure take precedence over the threshold', async () => {
    const { dir } = await makeDataDir();
    await rm(bundlePath(dir, 's1', '000001-a2.dsse.json'));
    expect((await verify({ paths: [dir], minCompleteness: 1 })).code).toBe(EXIT_CODES.checkFailed);
  });
});

describe('tampering', () => {
  async function tamperedAt(field: 'payload' | 'sig', fraction: number) {
    const { dir } = await makeDataDir();
    const file = bundlePath(dir, 's1', '000001-a2.dsse.json');
    const text = await readFile(file, 'utf8');
    const envelope = JSON.parse(text) as { payload: string; signatures: { sig: string }[] };
    const value = field === 'payload' ? envelope.payload : envelope.signatures[0]!.sig;
    const position = Math.min(Math.floor(value.length * fraction), value.replace(/=+$/, '').length - 1);
    const original = value[position]!;
    const changed = value.slice(0, position) + (original === 'A' ? 'B' : 'A') + value.slice(position + 1);
    await writeFile(file, text.replace(value, changed));
    return { file, r: await verifyJson({ paths: [dir] }) };
  }

  for (const fraction of [0, 0.13, 0.5, 0.77, 1]) {
    it(`fails when one payload character at ${fraction * 100}% changes`, async () => {
      const { file, r } = await tamperedAt('payload', fraction);
      expect(r.code).toBe(EXIT_CODES.checkFailed);
      // A changed final character can leave non-canonical base64 (envelope_format); elsewhere the signature breaks.
      const onFile = failures(r)
        .filter((f) => f.subject === file)
        .map((f) => f.check);
      expect(onFile.filter((check) => check === 'signature' || check === 'envelope_format')).toHaveLength(1);
    });
  }

  for (const fraction of [0, 0.5, 1]) {
    it(`fails the signature check when one signature character at ${fraction * 100}% changes`, async () => {
      const { file, r } = await tamperedAt('sig', fraction);
      expect(r.code).toBe(EXIT_CODES.checkFailed);
      expect(failures(r)).toEqual([
        expect.objectContaining({ subject: file, check: 'signature', code: 'signature' }),
      ]);
    });
  }

  it('rejects a payload re-encoded with non-canonical base64 even though it decodes to the same bytes', async () => {
    const { dir } = await makeDataDir();
    const file = bundlePath(dir, 's1', '000000-a1.dsse.json');
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { payload: string };
    envelope.payload = envelope.payload.replace(/(.{4})/g, '$1\n');
    await writeFile(file, JSON.stringify(envelope));
    const r = await verifyJson({ paths: [dir] });
    expect(failures(r).filter((f) => f.subject === file)).toEqual([
      expect.objectContaining({ check: 'envelope_format', detail: 'payload is not canonical base64' }),
    ]);
  });
});

describe('session chain and seal', () => {
  it('reports a removed bundle in the chain and the seal', async () => {
    const { dir } = await makeDataDir();
    await rm(bundlePath(dir, 's1', '000001-a2.dsse.json'));
    const r = await verifyJson({ paths: [dir] });
    expect(r.code).toBe(EXIT_CODES.checkFailed);
    const found = failures(r);
    expect(found.map((f) => [f.subject, f.check])).toEqual([
      ['session:s1', 'session_chain'],
      ['session:s1', 'session_seal'],
    ]);
    expect(found[0]!.detail).toContain('no bundle with sequence 1: removed');
    expect(found[1]!.detail).toContain('seal covers 3 bundles, 2 found');
  });

  it('reports a truncated session (last bundle removed) through the seal alone', async () => {
    const { dir } = await makeDataDir();
    await rm(bundlePath(dir, 's1', '000002-a3.dsse.json'));
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found.map((f) => f.check)).toEqual(['session_seal']);
    expect(found[0]!.detail).toMatch(/3 bundles, 2 found.*Merkle root.*last bundle/);
  });

  it('reports a missing seal', async () => {
    const { dir } = await makeDataDir();
    await rm(bundlePath(dir, 's2', 'seal.dsse.json'));
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found).toEqual([
      // The log still has the seal's leaf: the seal was there and is gone.
      expect.objectContaining({
        subject: `tlog:${dir}#1`,
        check: 'log_inclusion',
        detail: expect.stringContaining('not in the data directory'),
      }),
      expect.objectContaining({
        subject: 'session:s2',
        check: 'session_seal',
        detail: expect.stringContaining('no seal'),
      }),
    ]);
  });

  it('reports bundles whose files were swapped (reordered)', async () => {
    const { dir } = await makeDataDir();
    const first = bundlePath(dir, 's1', '000000-a1.dsse.json');
    const second = bundlePath(dir, 's1', '000001-a2.dsse.json');
    await rename(first, `${first}.tmp`);
    await rename(second, first);
    await rename(`${first}.tmp`, second);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found.map((f) => f.check)).toEqual(['location', 'location', 'session_chain']);
    expect(found[0]!.detail).toMatch(
      /named 000000-a1\.dsse\.json, but its content says 000001-a2\.dsse\.json/,
    );
    expect(found[2]!.detail).toMatch(
      /000000-a1\.dsse\.json is named for position 0 but holds sequence 1: reordered/,
    );
  });

  it('reports a reordering signer: sequences swapped, so links break', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[0]!.edit = (proof) => (proof.manifest.sequence = 1);
    sessions[0]!.actions[1]!.edit = (proof) => (proof.manifest.sequence = 0);
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    const chain = found.find((f) => f.check === 'session_chain')!;
    expect(chain.detail).toMatch(/does not link to the bundle before it/);
    expect(chain.detail).toMatch(/reordered/);
    expect(found.map((f) => f.check)).toContain('session_seal');
  });

  it('reports a duplicated bundle', async () => {
    const { dir } = await makeDataDir();
    await copyFile(
      bundlePath(dir, 's1', '000001-a2.dsse.json'),
      bundlePath(dir, 's1', '000003-a2-copy.dsse.json'),
    );
    const found = failures(await verifyJson({ paths: [dir] }));
    const chain = found.find((f) => f.check === 'session_chain')!;
    expect(chain.detail).toContain('sequence 1 is held by 2 bundles');
    expect(chain.detail).toContain('named for position 3 but holds sequence 1');
    expect(found.find((f) => f.check === 'session_seal')!.detail).toContain('seal covers 3 bundles, 4 found');
  });

  it('does not mistake the same file given twice for a duplicate', async () => {
    const { dir } = await makeDataDir();
    const r = await verifyJson({ paths: [dir, bundlePath(dir, 's1', '000000-a1.dsse.json')] });
    expect(failures(r)).toEqual([]);
  });
});

describe('keys', () => {
  it('fails bundles signed by a key outside the trusted set with unknown_key', async () => {
    const { dir } = await makeDataDir();
    const other = generateSigningKey();
    const keysFile = join(dir, 'other-keys.json');
    await writeKeySet(keysFile, other);
    const r = await verifyJson({ paths: [dir], keys: keysFile });
    const found = failures(r);
    expect(found.filter((f) => f.check === 'signature')).toHaveLength(6);
    // The log's checkpoint is signed by the same untrusted key.
    expect(new Set(found.map((f) => f.code))).toEqual(
      new Set(['unknown_key', 'session_seal', 'log_consistency']),
    );
  });

  it('rejects a key set whose keyid is not the key’s own', async () => {
    const { dir, key } = await makeDataDir();
    const keysFile = join(dir, 'bad-keys.json');
    await writeKeySet(keysFile, key);
    const set = JSON.parse(await readFile(keysFile, 'utf8')) as { keys: { keyid: string }[] };
    set.keys[0]!.keyid = generateSigningKey().keyid;
    await writeFile(keysFile, JSON.stringify(set));
    await expect(verify({ paths: [dir], keys: keysFile })).rejects.toMatchObject({
      code: 'INVALID_KEY_SET',
      exitCode: 2,
    });
  });

  it('is a usage error to have no keys to trust', async () => {
    const { dir } = await makeDataDir();
    await rm(join(dir, 'keys'), { recursive: true });
    await expect(verify({ paths: [dir] })).rejects.toMatchObject({
      code: 'NO_TRUSTED_KEYS',
      exitCode: EXIT_CODES.usage,
    });
  });
});

describe('content checks against a signer that lies', () => {
  it('fails completeness when the claimed ρ differs from the receipts', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[2]!.edit = (proof) => (proof.summary.completeness.rho = 1);
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found).toEqual([
      expect.objectContaining({
        check: 'completeness',
        detail: 'claims ρ = 1.0 but its receipts give 0.6 (missing: admissibility, assumption)',
      }),
    ]);
  });

  it('fails route_consistency when the summary route differs from the guard receipt', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[1]!.edit = (proof) => (proof.summary.route = 'warn');
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found).toEqual([
      expect.objectContaining({ check: 'route_consistency', detail: expect.stringContaining('warn') }),
    ]);
  });

  it('fails receipt_chain when a receipt is altered or unlinked', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[0]!.edit = (proof) => {
      proof.evidence.receipts[2]!.facts = { cwd: '/elsewhere' };
      proof.evidence.receipts[4]!.previous = null;
    };
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found.map((f) => f.check)).toEqual(['receipt_chain']);
    expect(found[0]!.detail).toContain('receipt 2 (assumption): digest does not match its content');
    expect(found[0]!.detail).toContain('receipt 4 (closure): previous does not link');
  });

  it('fails section_digests when a section changes after the manifest was computed', async () => {
    const sessions = standardSessions();
    sessions[1]!.actions[0]!.editAfterDigests = (proof) =>
      (proof.verification.completeness_verdict = 'incomplete');
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found).toEqual([
      expect.objectContaining({ check: 'section_digests', detail: expect.stringContaining('verification') }),
    ]);
  });

  it('fails subject_digest when the subject is not the summary’s digest', async () => {
    const sessions = standardSessions();
    sessions[1]!.actions[0]!.editStatement = (statement) =>
      (statement.subject[0]!.digest.sha256 = '0'.repeat(64));
    const { dir } = await makeDataDir(sessions);
    expect(failures(await verifyJson({ paths: [dir] }))).toEqual([
      expect.objectContaining({
        check: 'subject_digest',
        detail: expect.stringMatching(/^subject digest 0{64} ≠ [0-9a-f]{64}$/),
      }),
    ]);
  });

  it('fails flow_labels when a label does not reach a node that depends on its source', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[0]!.edit = (proof) => (proof.evidence.slice.nodes.at(-1)!.labels = []);
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found).toEqual([
      expect.objectContaining({
        check: 'flow_labels',
        detail: expect.stringMatching(/codex\.tool_result.*lacks sensitive/),
      }),
    ]);
  });

  it('fails backward_slice for a node the action does not depend on and for a dangling edge', async () => {
    const sessions = standardSessions();
    sessions[0]!.actions[0]!.edit = (proof) => {
      proof.evidence.slice.nodes.push({ id: 'stray', kind: 'prompt', name: 'unrelated_prompt', labels: [] });
      proof.evidence.slice.edges.push({
        from: 'ghost',
        to: proof.evidence.slice.nodes[0]!.id,
        type: 'causal',
      });
    };
    const { dir } = await makeDataDir(sessions);
    const found = failures(await verifyJson({ paths: [dir] }));
    expect(found.map((f) => f.check)).toEqual(['backward_slice']);
    expect(found[0]!.detail).toContain(
      'node stray (unrelated_prompt) is not something the action depends on',
    );
    expect(found[0]!.detail).toContain('edge ghost →');
  });
});

describe('malformed input', () => {
  it('reports a malformed JSON file as a failure and still verifies the rest', async () => {
    const { dir } = await makeDataDir();
    const bad = bundlePath(dir, 's2', '000001-broken.dsse.json');
    await writeFile(bad, '{"payloadType": "application/vnd.in-toto+json", "payload": ');
    const r = await verifyJson({ paths: [dir] });
    expect(r.code).toBe(EXIT_CODES.checkFailed);
    const onBad = r.checks.filter((c) => c.subject === bad);
    expect(onBad.map((c) => [c.check_name, c.status])).toEqual([
      ['envelope_format', 'fail'],
      ['signature', 'skip'],
      ['statement_format', 'skip'],
      ['subject_digest', 'skip'],
      ['section_digests', 'skip'],
    ]);
    expect(onBad[0]!.detail).toMatch(/^not JSON/);
    expect(r.checks.filter((c) => c.session_id === 's1').every((c) => c.status === 'pass')).toBe(true);
  });

  it('reports an envelope whose payload is not a statement', async () => {
    const { dir } = await makeDataDir();
    const file = bundlePath(dir, 's2', '000000-b1.dsse.json');
    const envelope = JSON.parse(await readFile(file, 'utf8')) as { payload: string };
    envelope.payload = Buffer.from('{"hello":"world"}').toString('base64');
    await writeFile(file, JSON.stringify(envelope));
    const onFile = (await verifyJson({ paths: [dir] })).checks.filter((c) => c.subject === file);
    expect(onFile.find((c) => c.check_name === 'signature')!.status).toBe('fail');
    expect(onFile.find((c) => c.check_name === 'statement_format')!.status).toBe('fail');
  });

  it('is a usage error (exit 2) when a path does not exist or holds no bundles', async () => {
    const { dir } = await makeDataDir();
    const missing = verify({ paths: [join(dir, 'nope')] });
    await expect(missing).rejects.toBeInstanceOf(VerifierError);
    await expect(missing).rejects.toMatchObject({ code: 'PATH_NOT_FOUND', exitCode: 2 });
    await expect(verify({ paths: [join(dir, 'keys')] })).rejects.toMatchObject({ code: 'NO_BUNDLES' });
  });
});
