// test/interop/verify_bundles.py — an independent Python verifier — run over data directories the real
// pipeline wrote (`proofline demo`, `proofline eval`): it must pass what is honest, name the check that
// catches each tampering, and agree with `proofline verify` failure for failure. It reads the segments and
// the transparency log the pipeline wrote (and exports of them, `proofline export`), and Go's tlog checks the
// same log and checkpoint.
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import {
  DSSE_PAYLOAD_TYPE,
  SEAL_FILE_NAME,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { ed25519NoteSigner, signCheckpoint, verifierKey } from '../../schemas/checkpoint.js';
import { canonicalDigest, canonicalize, sha256Hex } from '../../schemas/digest.js';
import { preAuthEncoding } from '../../schemas/dsse.js';
import { PRIVATE_KEY_FILE, keyIdOf } from '../../schemas/keys.js';
import { MerkleLog, digestLeafHash, merkleRoot } from '../../schemas/merkle.js';
import { readRecords } from '../../schemas/segment.js';
import { CHECKPOINT_FILE, LEAVES_FILE, ORIGIN_FILE, TLOG_DIR } from '../../schemas/tlog.js';
import { rewriteRecord } from '../../eval/tamper.js';
import { runTlogcheck } from './tlogcheck.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./verify_bundles.py', import.meta.url));

interface PyResult {
  check: string;
  subject: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  session_id: string | null;
}

interface PyRun {
  status: number | null;
  results: PyResult[];
  stderr: string;
}

/** Runs a command to its end without blocking the test worker (vitest reports progress meanwhile). */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ status: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

async function python(dataDir: string, extra: string[] = [], env?: NodeJS.ProcessEnv): Promise<PyRun> {
  const { status, stdout, stderr } = await run('python3', [SCRIPT, dataDir, '--json', ...extra], env);
  const results = stdout.trim() === '' ? [] : (JSON.parse(stdout) as { results: PyResult[] }).results;
  return { status, results, stderr };
}

function failedChecks(py: PyRun): string[] {
  return [...new Set(py.results.filter((r) => r.status === 'fail').map((r) => r.check))].sort();
}

async function proofline(...args: string[]): Promise<{ status: number | null; stdout: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  return run(process.execPath, [CLI, ...args]);
}

function sessionDirs(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'bundles'))
    .sort()
    .map((s) => join(dataDir, 'bundles', s));
}

/** What an attacker holding the signing key does: rewrite a statement and sign it as proofline would. */
function resign(file: string, key: KeyObject, edit: (statement: Statement<unknown>) => void): void {
  writeFileSync(file, `${resignedText(readFileSync(file, 'utf8'), key, edit)}\n`);
}

function resignedText(text: string, key: KeyObject, edit: (statement: Statement<unknown>) => void): string {
  const original = JSON.parse(text) as DsseEnvelope;
  const statement = JSON.parse(
    Buffer.from(original.payload, 'base64').toString('utf8'),
  ) as Statement<unknown>;
  edit(statement);
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  const envelope: DsseEnvelope = {
    payloadType: DSSE_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [
      {
        keyid: keyIdOf(createPublicKey(key)),
        sig: sign(null, preAuthEncoding(DSSE_PAYLOAD_TYPE, payload), key).toString('base64'),
      },
    ],
  };
  return canonicalize(envelope);
}

/** The sessions that have an action bundle besides their seal (the demo has one that has none). */
function actionSessions(dataDir: string): string[] {
  return sessionDirs(dataDir).filter((dir) => readdirSync(dir).some((f) => f !== SEAL_FILE_NAME));
}

function actionFile(sessionDir: string): string {
  return join(
    sessionDir,
    readdirSync(sessionDir).find((f) => f !== SEAL_FILE_NAME)!,
  );
}

describe('verify_bundles.py on a data directory the real pipeline wrote', () => {
  let root: string;
  let demo: string;
  let signingKey: KeyObject;
  let vkey: string;
  /** The log's origin, as the pipeline drew it. */
  let ORIGIN: string;
  /** The demo as one file per bundle, with its log (what most tamperings edit). */
  let exported: string;
  /** The seal digests in log order, the file the log keeps them in, the checkpoint a witness holds. */
  let leaves: string[];
  let leavesFile: string;
  let checkpointFile: string;
  /** A checkpoint the witness kept from when the log had 5 leaves. */
  let earlierFile: string;
  let log: MerkleLog;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'proofline-interop-'));
    demo = join(root, 'demo');
    const demoRun = await proofline('demo', '--data', demo);
    if (demoRun.status !== 0) throw new Error(`proofline demo exited ${demoRun.status}:\n${demoRun.stdout}`);
    exported = join(root, 'export');
    const exportRun = await proofline('export', '--data', demo, '--out', exported);
    if (exportRun.status !== 0) throw new Error(`proofline export exited ${exportRun.status}`);
    signingKey = createPrivateKey(readFileSync(join(demo, 'keys', PRIVATE_KEY_FILE)));
    ORIGIN = readFileSync(join(demo, TLOG_DIR, ORIGIN_FILE), 'utf8').trim();
    vkey = verifierKey(ORIGIN, createPublicKey(signingKey));
    leavesFile = join(demo, TLOG_DIR, LEAVES_FILE);
    leaves = readFileSync(leavesFile, 'utf8').split('\n').filter(Boolean);
    log = MerkleLog.fromLeafHashes(leaves.map(digestLeafHash));
    // The pipeline's own checkpoint, as a witness holds it, outside the data directory.
    mkdirSync(join(root, 'witness'));
    checkpointFile = join(root, 'witness', 'checkpoint');
    cpSync(join(demo, TLOG_DIR, CHECKPOINT_FILE), checkpointFile);
    earlierFile = join(root, 'witness', 'earlier');
    writeFileSync(earlierFile, checkpointNote(5));
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const checkpointNote = (size: number, key = signingKey, rootHash = log.root(size)): string =>
    signCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }, [ed25519NoteSigner(ORIGIN, key)]);
  const withLog = (...checkpoints: string[]): string[] => [
    ...checkpoints.flatMap((c) => ['--checkpoint', c]),
    '--log-leaves',
    leavesFile,
    '--verifier-key',
    vkey,
  ];
  /** A copy of the exported demo to tamper with. */
  const copy = (name: string): string => {
    const dir = join(root, name);
    cpSync(exported, dir, { recursive: true });
    return dir;
  };

  it.each([
    ['the segments', () => demo],
    ['the export', () => exported],
  ])('passes every check on %s and the log', async (_, dir) => {
    const run = await python(dir(), withLog(checkpointFile, earlierFile));
    expect(run.stderr).toMatch(/0 failed/);
    expect(run.status).toBe(0);
    const count = (check: string) =>
      run.results.filter((r) => r.check === check && r.status === 'pass').length;
    const sessions = sessionDirs(exported).length;
    const actions = sessionDirs(exported).flatMap((d) =>
      readdirSync(d).filter((f) => f !== SEAL_FILE_NAME),
    ).length;
    expect(sessions).toBeGreaterThan(10);
    for (const check of ['envelope_format', 'signature', 'statement_format', 'subject_digest'])
      expect(count(check), check).toBe(sessions + actions);
    for (const check of ['section_digests', 'receipt_chain']) expect(count(check), check).toBe(actions);
    for (const check of ['session_chain', 'session_seal']) expect(count(check), check).toBe(sessions);
    for (const check of ['checkpoint_note', 'checkpoint_body', 'checkpoint_tree'])
      expect(count(check), check).toBe(2);
    expect(count('checkpoint_seals')).toBe(1);
  });

  it("Go's note and tlog packages accept the same checkpoint and prove every seal in it", () => {
    const report = runTlogcheck({
      verifier_key: vkey,
      origin: ORIGIN,
      leaves,
      stored_hashes: log.storedHashes().toString('base64'),
      cases: [
        { name: 'checkpoint', kind: 'checkpoint', note: readFileSync(checkpointFile, 'utf8') },
        ...leaves.map((_, index) => ({
          name: `seal ${index}`,
          kind: 'inclusion' as const,
          index,
          size: log.size,
          root: log.root().toString('base64'),
          proof: log.inclusionProof(index).map((h) => h.toString('base64')),
        })),
        {
          name: 'consistency with an earlier checkpoint',
          kind: 'consistency',
          first: 5,
          second: log.size,
          first_root: log.root(5).toString('base64'),
          second_root: log.root().toString('base64'),
          proof: log.consistencyProof(5).map((h) => h.toString('base64')),
        },
      ],
    });
    expect(report.stored_hashes_match).toBe(true);
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.results).toHaveLength(leaves.length + 2);
  });

  // Each tampering, and the checks that must name it (others may fail too: one edit breaks several things).
  const tamperings: [string, (dir: string) => void, string[]][] = [
    [
      'a byte of a signed payload changed',
      (dir) => {
        const file = actionFile(actionSessions(dir)[0]!);
        const envelope = JSON.parse(readFileSync(file, 'utf8')) as DsseEnvelope;
        const payload = Buffer.from(envelope.payload, 'base64');
        payload[payload.indexOf('"outcome":"') + 11]! ^= 0x01;
        writeFileSync(file, JSON.stringify({ ...envelope, payload: payload.toString('base64') }));
      },
      ['signature'],
    ],
    [
      "a signature swapped for another bundle's",
      (dir) => {
        const [a, b] = actionSessions(dir).map(actionFile);
        const envelope = JSON.parse(readFileSync(a!, 'utf8')) as DsseEnvelope;
        envelope.signatures[0]!.sig = (
          JSON.parse(readFileSync(b!, 'utf8')) as DsseEnvelope
        ).signatures[0]!.sig;
        writeFileSync(a!, JSON.stringify(envelope));
      },
      ['signature'],
    ],
    [
      'signed by a key that is not trusted',
      (dir) =>
        resign(actionFile(actionSessions(dir)[0]!), generateKeyPairSync('ed25519').privateKey, () => {}),
      ['signature'],
    ],
    [
      'a summary edited and re-signed with the real key',
      (dir) =>
        resign(actionFile(actionSessions(dir)[0]!), signingKey, (s) => {
          (s.predicate as ActionProof).summary.outcome = 'failed';
        }),
      ['section_digests', 'session_seal'],
    ],
    [
      'the tool name edited, section digests recomputed, re-signed',
      (dir) =>
        resign(actionFile(actionSessions(dir)[0]!), signingKey, (s) => {
          const proof = s.predicate as ActionProof;
          proof.summary.tool_name = 'curl';
          proof.manifest.sections.summary = canonicalDigest(proof.summary);
        }),
      ['subject_digest'],
    ],
    [
      'a receipt edited, its section digest recomputed, re-signed',
      (dir) =>
        resign(actionFile(actionSessions(dir)[0]!), signingKey, (s) => {
          const proof = s.predicate as ActionProof;
          proof.evidence.receipts[0]!.facts = {
            ...proof.evidence.receipts[0]!.facts,
            route: 'allow',
            forged: true,
          };
          proof.manifest.sections.evidence = canonicalDigest(proof.evidence);
        }),
      ['receipt_chain'],
    ],
    [
      'previous_bundle pointed elsewhere, re-signed',
      (dir) =>
        resign(actionFile(actionSessions(dir)[0]!), signingKey, (s) => {
          (s.predicate as ActionProof).manifest.previous_bundle = 'ab'.repeat(32);
        }),
      ['session_chain'],
    ],
    [
      'a bundle renamed to another position',
      (dir) => {
        const file = actionFile(actionSessions(dir)[0]!);
        renameSync(file, file.replace(/\/000000-/, '/000001-'));
      },
      ['session_chain'],
    ],
    ['an action bundle deleted', (dir) => rmSync(actionFile(actionSessions(dir)[0]!)), ['session_seal']],
    [
      'a seal deleted',
      (dir) => rmSync(join(sessionDirs(dir)[0]!, SEAL_FILE_NAME)),
      ['session_seal', 'checkpoint_seals'],
    ],
    [
      'a whole session deleted',
      (dir) => rmSync(sessionDirs(dir)[0]!, { recursive: true }),
      ['checkpoint_seals'],
    ],
    [
      'a session truncated and re-sealed with the real key',
      (dir) => {
        const session = actionSessions(dir)[0]!;
        rmSync(actionFile(session));
        resign(join(session, SEAL_FILE_NAME), signingKey, (s) => {
          const seal = s.predicate as SessionSeal;
          Object.assign(seal, { count: 0, merkle_root: merkleRoot([]), last_bundle: null });
          s.subject[0]!.digest.sha256 = seal.merkle_root;
        });
      },
      ['checkpoint_seals'],
    ],
  ];

  it.each(tamperings)('catches %s', async (name, tamper, checks) => {
    const dir = copy(name.replace(/\W+/g, '-'));
    tamper(dir);
    const run = await python(dir, withLog(checkpointFile));
    expect(run.status, run.stderr).toBe(1);
    expect(failedChecks(run)).toEqual(expect.arrayContaining(checks));
    for (const check of checks) expect(run.stderr).toContain(`FAIL ${check} `);
  });

  it('only the log catches a deleted session: both verifiers read it from the data directory', async () => {
    const deleted = copy('deleted-for-proofline-verify');
    rmSync(sessionDirs(deleted)[0]!, { recursive: true });
    expect((await proofline('verify', deleted)).status).toBe(1);
    expect(failedChecks(await python(deleted))).toEqual(['checkpoint_seals']);
    // Without its log, nothing in the files shows that a session is missing.
    rmSync(join(deleted, TLOG_DIR), { recursive: true });
    expect((await python(deleted)).status).toBe(0);
  });

  it('a rewritten log is caught by the checkpoint a witness kept', async () => {
    // The attacker drops a session and its leaf, and signs a fresh checkpoint over what is left.
    const dir = copy('rewritten-log');
    // The session whose seal is leaf 3 of the log.
    const victim = sessionDirs(dir).find(
      (d) =>
        sha256Hex(
          Buffer.from(JSON.parse(readFileSync(join(d, SEAL_FILE_NAME), 'utf8')).payload, 'base64'),
        ) === leaves[3],
    )!;
    rmSync(victim, { recursive: true });
    const rewritten = leaves.filter((_, i) => i !== 3);
    const rewrittenLeaves = join(root, 'leaves.rewritten');
    writeFileSync(rewrittenLeaves, rewritten.map((l) => `${l}\n`).join(''));
    const fresh = join(root, 'fresh-checkpoint');
    const rewrittenLog = MerkleLog.fromLeafHashes(rewritten.map(digestLeafHash));
    writeFileSync(fresh, checkpointNote(rewrittenLog.size, signingKey, rewrittenLog.root()));
    const args = (...checkpoints: string[]) => [
      ...checkpoints.flatMap((c) => ['--checkpoint', c]),
      '--log-leaves',
      rewrittenLeaves,
      '--verifier-key',
      vkey,
    ];
    expect((await python(dir, args(fresh))).status).toBe(0);
    const run = await python(dir, args(fresh, earlierFile, checkpointFile));
    expect(run.status).toBe(1);
    const failures = run.results.filter((r) => r.status === 'fail');
    expect(failures.map((r) => [r.check, r.subject])).toEqual([
      ['checkpoint_tree', `checkpoint:${earlierFile}`],
      ['checkpoint_tree', `checkpoint:${checkpointFile}`],
    ]);
    expect(failures[0]!.detail).toMatch(/not the RFC 6962 root of the log's first 5 leaves/);
  });

  it.each([
    [
      'edited after signing',
      () => readFileSync(checkpointFile, 'utf8').replace(`\n${log.size}\n`, `\n${log.size - 1}\n`),
    ],
    ['signed by another key', () => checkpointNote(log.size, generateKeyPairSync('ed25519').privateKey)],
    [
      'signed with a hyphen for the em dash',
      () => readFileSync(checkpointFile, 'utf8').replace('\u2014', '-'),
    ],
    [
      'of another origin',
      () =>
        signCheckpoint(
          { origin: 'proofline.dev/tlog/other', size: log.size, rootHash: log.root(), extensions: [] },
          [ed25519NoteSigner(ORIGIN, signingKey)],
        ),
    ],
  ])('rejects a checkpoint %s', async (name, note) => {
    const file = join(root, 'witness', name.replace(/\W+/g, '-'));
    writeFileSync(file, note());
    const run = await python(demo, withLog(file));
    expect(run.status).toBe(1);
    expect(failedChecks(run)).toEqual([name === 'of another origin' ? 'checkpoint_body' : 'checkpoint_note']);
  });

  it('says which package is missing and how to install it, instead of a traceback', async () => {
    const shadow = join(root, 'no-rfc8785');
    mkdirSync(join(shadow, 'rfc8785'), { recursive: true });
    // A stand-in that fails to import, as the real package does when it is not installed.
    writeFileSync(
      join(shadow, 'rfc8785', '__init__.py'),
      'raise ModuleNotFoundError("No module named \'rfc8785\'", name="rfc8785")\n',
    );
    const run = await python(demo, [], { ...process.env, PYTHONPATH: shadow });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cannot import rfc8785');
    expect(run.stderr).toContain('pip install rfc8785==0.1.4 cryptography==48.0.0');
  });
});

describe('verify_bundles.py and proofline verify agree on the evaluation corpus', () => {
  const SHARED = new Set([
    'envelope_format',
    'signature',
    'statement_format',
    'subject_digest',
    'section_digests',
    'receipt_chain',
    'session_chain',
    'session_seal',
  ]);

  /** Both verifiers' failures of the checks both make, as `check subject`, and how many subjects each judged. */
  async function bothVerdicts(data: string) {
    const ts = JSON.parse((await proofline('verify', data, '--format', 'json')).stdout) as {
      checks: { check_name: string; subject: string; status: string; session_id: string | null }[];
    };
    const py = await python(data);
    const tally = (names: string[]) =>
      names.reduce<Record<string, number>>((n, c) => ({ ...n, [c]: (n[c] ?? 0) + 1 }), {});
    return {
      failedSessions: new Set(ts.checks.filter((c) => c.status === 'fail').map((c) => c.session_id)),
      ts: ts.checks
        .filter((c) => c.status === 'fail' && SHARED.has(c.check_name))
        .map((c) => `${c.check_name} ${c.subject}`)
        .sort(),
      py: py.results
        .filter((r) => r.status === 'fail' && SHARED.has(r.check))
        .map((r) => `${r.check} ${r.subject}`)
        .sort(),
      tsRan: tally(
        ts.checks.filter((c) => SHARED.has(c.check_name) && c.status !== 'skip').map((c) => c.check_name),
      ),
      pyRan: tally(py.results.filter((r) => SHARED.has(r.check) && r.status !== 'skip').map((r) => r.check)),
    };
  }

  it('fail the same files and sessions for the same checks, before and after a chain is broken', async () => {
    const data = mkdtempSync(join(tmpdir(), 'proofline-interop-eval-'));
    onTestFinished(() => rmSync(data, { recursive: true, force: true }));
    const evalRun = await proofline('eval', '--data', data);
    expect(evalRun.status, evalRun.stdout.slice(-2000)).toBe(0);
    // Sessions of several bundles, so chains and seals over more than one leaf are exercised.
    const second = new Map<string, string>();
    for await (const record of readRecords(data)) {
      const proof = record.statement.predicate as ActionProof;
      if (record.kind === 'action' && proof.manifest.sequence === 1)
        second.set(proof.summary.session_id, `${record.path}:${record.position.line}`);
    }
    expect(second.size).toBeGreaterThan(20);

    // The eval tampers with some sessions on purpose: both must see exactly those.
    const before = await bothVerdicts(data);
    expect(before.ts.length).toBeGreaterThan(0);
    expect(before.py).toEqual(before.ts);
    expect(before.pyRan).toEqual(before.tsRan);

    // A key holder relinks the second bundle of an untouched session to something else.
    const [session, location] = [...second].find(([id]) => !before.failedSessions.has(id))!;
    const key = createPrivateKey(readFileSync(join(data, 'keys', PRIVATE_KEY_FILE)));
    await rewriteRecord(location, (text) =>
      resignedText(text, key, (s) => {
        (s.predicate as ActionProof).manifest.previous_bundle = 'cd'.repeat(32);
      }),
    );
    const after = await bothVerdicts(data);
    expect(after.py).toEqual(after.ts);
    expect(after.py).toContain(`session_chain session:${session}`);
  }, 300_000);
});
