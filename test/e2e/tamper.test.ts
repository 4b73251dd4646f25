// The tamper suite (README, "What tampering is caught"): a data directory the real pipeline wrote, with its
// checkpoints published to a witness directory outside it, attacked in every way listed below, then checked
// by `proofline verify --keys <set obtained separately> --checkpoint <witness> [--log <embedded log>]`. Each
// attack names the check that must catch it; the README's table lists the same attacks, and this suite
// fails if one is missing there. The attacker holds the data directory (every attack) and, for those marked
// `key`, the signing key too: what still catches those is the published checkpoint alone.
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';

import { KeyInsecureError } from '../../assembler/errors.js';
import { exportDataDir } from '../../assembler/export.js';
import { keygen } from '../../assembler/keygen.js';
import type { ActionProof, SessionSeal, Statement } from '../../schemas/bundle.js';
import { canonicalize, sha256Hex } from '../../schemas/digest.js';
import { listSegments, SEGMENTS_DIR } from '../../schemas/segment.js';
import { CHECKPOINT_FILE, LEAVES_FILE, TLOG_DIR } from '../../schemas/tlog.js';
import { startPipeline } from '../../service/embedded.js';
import type { CheckName } from '../../verifier/checks/check.js';
import { runVerify, type VerifyReport } from '../../verifier/verify-command.js';
import { captureOutput, DENY_POLICY, freshDataDir, replay } from './support.js';
import {
  busiest,
  flipPayload,
  forgeChain,
  leaves,
  records,
  resignAction,
  rewriteLog,
  rewriteSession,
  signed,
  signingKey,
  writeSegments,
} from './tamper-kit.js';

const README = new URL('../../README.md', import.meta.url);

let pristine: string;
let exported: string;
let witness: string;
let trustedKeys: string;

beforeAll(async () => {
  const root = await freshDataDir('proofline-tamper-');
  pristine = join(root, 'data');
  witness = join(root, 'witness');
  await mkdir(witness);
  const pipeline = await startPipeline({ dataDir: pristine, ingest: { port: 0 }, assembler: { witness } });
  await replay(pipeline, 'binary_allow');
  await replay(pipeline, 'binary_deny', DENY_POLICY);
  await replay(pipeline, 'json_allow');
  await pipeline.flush();
  await pipeline.close();
  // The auditor's key set, taken before any attack (as if obtained from the operator separately).
  trustedKeys = join(root, 'trusted-keys.json');
  await cp(join(pristine, 'keys', 'public-keys.json'), trustedKeys);
  exported = join(root, 'export');
  await exportDataDir(pristine, exported);
}, 120_000);

interface Verdict {
  exitCode: number;
  failed: CheckName[];
  report: VerifyReport;
}

async function verify(dir: string, options: { log?: boolean } = {}): Promise<Verdict> {
  const output = captureOutput();
  const exitCode = await runVerify(
    {
      paths: [dir],
      keys: trustedKeys,
      checkpoint: [witness],
      ...(options.log ? { log: join(dir, 'pipeline.duckdb') } : {}),
      minCompleteness: 0,
      format: 'json',
    },
    output.out,
  );
  const report = JSON.parse(output.stdout()) as VerifyReport;
  const failed = [...new Set(report.checks.filter((c) => c.status === 'fail').map((c) => c.check_name))];
  return { exitCode, failed, report };
}

async function copyOf(source: string): Promise<string> {
  const dir = await freshDataDir('proofline-attacked-');
  await cp(source, dir, { recursive: true });
  return dir;
}

// ---- Helpers over the attacked copy ------------------------------------------------------------------------

async function segmentPath(dir: string): Promise<string> {
  return (await listSegments(dir)).at(-1)!.path;
}

async function lines(dir: string): Promise<string[]> {
  return (await readFile(await segmentPath(dir), 'utf8')).split('\n').filter(Boolean);
}

async function setLines(dir: string, next: readonly string[]): Promise<void> {
  await writeFile(await segmentPath(dir), next.map((l) => `${l}\n`).join(''));
}

async function editEmbeddedLog(dir: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(join(dir, 'pipeline.duckdb'));
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// ---- The attacks ---------------------------------------------------------------------------------------------

interface Attack {
  name: string;
  /** The attacker also holds the signing key. */
  key?: boolean;
  /** Attack the exported files (`proofline export`) rather than the segments. */
  on?: 'export';
  /** Verify with `--log` (the embedded log). */
  log?: boolean;
  /** Checks that must fail. */
  caughtBy: CheckName[];
  /** No other check fails: what catches it is the published checkpoint and nothing else. */
  only?: boolean;
  run(dir: string): Promise<void>;
}

const ATTACKS: Attack[] = [
  {
    name: 'flip a byte of an action bundle',
    caughtBy: ['signature'],
    run: async (dir) => {
      const all = await lines(dir);
      await setLines(dir, [flipPayload(all[0]!, 0.5), ...all.slice(1)]);
    },
  },
  {
    name: 'flip a byte of a seal',
    caughtBy: ['signature'],
    run: async (dir) => {
      const all = await records(dir);
      const at = all.findIndex((r) => r.kind === 'seal');
      const next = all.map((r) => r.text);
      next[at] = flipPayload(next[at]!, 0.3);
      await setLines(dir, next);
    },
  },
  {
    name: 'flip a byte of a signature',
    caughtBy: ['signature'],
    run: async (dir) => {
      const all = await lines(dir);
      const envelope = JSON.parse(all[0]!) as { signatures: { sig: string }[] };
      const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
      sig[9] = sig[9]! ^ 0x40;
      envelope.signatures[0]!.sig = sig.toString('base64');
      await setLines(dir, [JSON.stringify(envelope), ...all.slice(1)]);
    },
  },
  {
    name: 're-encode a payload in non-canonical base64',
    caughtBy: ['envelope_format'],
    run: async (dir) => {
      const all = await lines(dir);
      const envelope = JSON.parse(all[0]!) as { payload: string };
      envelope.payload = envelope.payload.replace(/=*$/, '') + '\n';
      await setLines(dir, [JSON.stringify(envelope), ...all.slice(1)]);
    },
  },
  {
    name: 'delete one action bundle',
    caughtBy: ['session_seal'],
    run: async (dir) => {
      const all = await records(dir);
      await setLines(
        dir,
        all.filter((r) => r !== all.find((x) => x.kind === 'action')).map((r) => r.text),
      );
    },
  },
  {
    name: 'delete a seal',
    caughtBy: ['session_seal', 'log_inclusion'],
    run: async (dir) => {
      const all = await records(dir);
      await setLines(
        dir,
        all.filter((r) => r !== all.find((x) => x.kind === 'seal')).map((r) => r.text),
      );
    },
  },
  {
    name: 'delete a whole session (bundles and seal)',
    caughtBy: ['log_inclusion'],
    run: async (dir) => {
      const all = await records(dir);
      const victim = busiest(all);
      await setLines(
        dir,
        all.filter((r) => r.sessionId !== victim).map((r) => r.text),
      );
    },
  },
  {
    name: 'delete every segment',
    caughtBy: ['log_inclusion'],
    run: async (dir) => {
      for (const { path } of await listSegments(dir)) await rm(path);
    },
  },
  {
    name: 'duplicate an action bundle',
    caughtBy: ['session_chain'],
    run: async (dir) => {
      const all = await lines(dir);
      await setLines(dir, [...all, all[0]!]);
    },
  },
  {
    name: 'cut the last record short',
    caughtBy: ['envelope_format'],
    run: async (dir) => {
      const text = await readFile(await segmentPath(dir), 'utf8');
      await writeFile(await segmentPath(dir), text.slice(0, -40));
    },
  },
  {
    name: 'append a line that is not an envelope',
    caughtBy: ['envelope_format'],
    run: async (dir) =>
      setLines(dir, [...(await lines(dir)), '{"payloadType":"text/plain","payload":"aGk="}']),
  },
  {
    name: 'append a record nested a million levels deep',
    caughtBy: ['envelope_format'],
    run: async (dir) => setLines(dir, [...(await lines(dir)), '['.repeat(1_000_000)]),
  },
  {
    name: 'add an unsigned bundle claiming sequence 2^31 - 1',
    caughtBy: ['signature', 'session_chain'],
    run: async (dir) => {
      const all = await records(dir);
      const action = all.find((r) => r.kind === 'action')!;
      const statement = structuredClone(action.statement) as Statement<ActionProof>;
      statement.predicate.manifest.sequence = 2 ** 31 - 1;
      const forged = JSON.parse(
        signed(statement, (await import('node:crypto')).generateKeyPairSync('ed25519').privateKey).text,
      );
      forged.signatures[0].keyid = (
        JSON.parse(action.text) as { signatures: { keyid: string }[] }
      ).signatures[0]!.keyid;
      await setLines(dir, [...all.map((r) => r.text), JSON.stringify(forged)]);
    },
  },
  {
    name: 'add a seal claiming 2^40 bundles (key)',
    key: true,
    caughtBy: ['statement_format'],
    run: async (dir) => {
      const all = await records(dir);
      const seal = all.find((r) => r.kind === 'seal')!;
      const statement = structuredClone(seal.statement) as Statement<SessionSeal>;
      statement.predicate.count = 2 ** 40;
      await setLines(dir, [...all.map((r) => r.text), signed(statement, await signingKey(dir)).text]);
    },
  },
  {
    name: 'add a bundle whose slice is a 20,000-node chain',
    caughtBy: ['signature'],
    run: async (dir) => {
      const all = await records(dir);
      const action = all.find((r) => r.kind === 'action')!;
      const statement = structuredClone(action.statement) as Statement<ActionProof>;
      const n = 20_000;
      statement.predicate.evidence.slice = {
        roots: [`n${n - 1}`],
        nodes: Array.from({ length: n }, (_, i) => ({
          id: `n${i}`,
          kind: 'prompt' as const,
          name: 'x',
          labels: i === 0 ? ['secret_read'] : [],
        })),
        edges: Array.from({ length: n - 1 }, (_, i) => ({
          from: `n${i}`,
          to: `n${i + 1}`,
          type: 'causal' as const,
        })),
      };
      const envelope = JSON.parse(action.text) as { payload: string };
      envelope.payload = Buffer.from(canonicalize(statement)).toString('base64');
      await setLines(dir, [...all.map((r) => r.text), JSON.stringify(envelope)]);
    },
  },
  {
    name: 'sign a new session with a key of the attacker',
    caughtBy: ['signature'],
    run: async (dir) => {
      const all = await records(dir);
      const other = (await import('node:crypto')).generateKeyPairSync('ed25519').privateKey;
      const action = resignAction(
        all.find((r) => r.kind === 'action')!,
        other,
        (p) => {
          p.summary.session_id = 'forged-session';
          p.manifest.session_id = 'forged-session';
        },
      );
      await setLines(dir, [...all.map((r) => r.text), action.text]);
    },
  },
  {
    name: 'replace the segments folder with a symlink',
    caughtBy: ['location', 'log_inclusion'],
    run: async (dir) => {
      await rename(join(dir, SEGMENTS_DIR), join(dir, '..', `${SEGMENTS_DIR}-elsewhere-${Date.now()}`));
      await symlink(join(dir, '..', 'nowhere'), join(dir, SEGMENTS_DIR));
    },
  },
  {
    name: 'replace a segment with a symlink to a copy',
    caughtBy: ['location', 'log_inclusion'],
    run: async (dir) => {
      const path = await segmentPath(dir);
      const copy = `${dir}-segment-copy`;
      await cp(path, copy);
      await rm(path);
      await symlink(copy, path);
    },
  },
  {
    name: 'put a FIFO where a segment belongs',
    caughtBy: ['location'],
    run: async (dir) => {
      execFileSync('mkfifo', [join(dir, SEGMENTS_DIR, '000099.jsonl')]);
    },
  },
  {
    name: 'drop a stray file into the segments folder',
    caughtBy: ['location'],
    run: async (dir) => writeFile(join(dir, SEGMENTS_DIR, 'notes.txt'), 'hello'),
  },
  {
    name: 'delete the transparency log',
    caughtBy: ['log_consistency'],
    run: async (dir) => rm(join(dir, TLOG_DIR), { recursive: true }),
  },
  {
    name: 'remove the last leaf from the log',
    caughtBy: ['log_consistency'],
    run: async (dir) => {
      const logged = await leaves(dir);
      await writeFile(
        join(dir, TLOG_DIR, LEAVES_FILE),
        logged
          .slice(0, -1)
          .map((d) => `${d}\n`)
          .join(''),
      );
    },
  },
  {
    // A writer that has sealed nothing yet has no leaves file; one that has cannot lose it unnoticed.
    name: 'delete the log leaves',
    caughtBy: ['log_consistency', 'log_inclusion'],
    run: async (dir) => rm(join(dir, TLOG_DIR, LEAVES_FILE)),
  },
  {
    name: 'append a leaf to the log',
    caughtBy: ['log_consistency', 'log_inclusion'],
    run: async (dir) => {
      const logged = await leaves(dir);
      await writeFile(
        join(dir, TLOG_DIR, LEAVES_FILE),
        [...logged, 'ab'.repeat(32)].map((d) => `${d}\n`).join(''),
      );
    },
  },
  {
    name: 'replace the log checkpoint with one signed by another key',
    caughtBy: ['log_consistency'],
    run: async (dir) => {
      await rewriteLog(
        dir,
        await leaves(dir),
        (await import('node:crypto')).generateKeyPairSync('ed25519').privateKey,
      );
    },
  },
  {
    name: 'delete the log checkpoint',
    caughtBy: ['log_consistency'],
    run: async (dir) => rm(join(dir, TLOG_DIR, CHECKPOINT_FILE)),
  },
  {
    name: 'rewrite the command an action ran, re-sign, re-chain, re-seal, rebuild the log',
    key: true,
    only: true,
    caughtBy: ['log_consistency'],
    run: (dir) =>
      rewriteSession(dir, (actions, key) =>
        forgeChain(actions, key, (p) => {
          p.summary.input_digest = sha256Hex('echo harmless');
        }),
      ),
  },
  {
    name: 'rewrite a blocked action as succeeded, re-sign, re-seal, rebuild the log',
    key: true,
    caughtBy: ['log_consistency', 'completeness'],
    run: (dir) =>
      rewriteSession(
        dir,
        (actions, key) =>
          forgeChain(actions, key, (p) => {
            p.summary.outcome = 'succeeded';
          }),
        {
          target: (all) =>
            all.find(
              (r) =>
                r.kind === 'action' && (r.statement.predicate as ActionProof).summary.outcome === 'blocked',
            )!.sessionId,
        },
      ),
  },
  {
    name: 'delete a whole session, rebuild the log without it, re-sign',
    key: true,
    caughtBy: ['log_consistency'],
    run: async (dir) => {
      const key = await signingKey(dir);
      const all = await records(dir);
      const victim = busiest(all);
      const seal = all.find((r) => r.kind === 'seal' && r.sessionId === victim)!;
      await writeSegments(
        dir,
        all.filter((r) => r.sessionId !== victim).map((r) => r.text),
      );
      await rewriteLog(
        dir,
        (await leaves(dir)).filter((d) => d !== seal.digest),
        key,
      );
    },
  },
  {
    name: 'truncate the log to before the last seal, re-sign',
    key: true,
    caughtBy: ['log_consistency'],
    run: async (dir) => {
      const key = await signingKey(dir);
      const logged = await leaves(dir);
      const all = await records(dir);
      const last = logged.at(-1)!;
      const session = all.find((r) => r.digest === last)!.sessionId;
      await writeSegments(
        dir,
        all.filter((r) => r.sessionId !== session).map((r) => r.text),
      );
      await rewriteLog(dir, logged.slice(0, -1), key);
    },
  },
  {
    name: 'replace the whole log with a new one (new origin), re-sign',
    key: true,
    caughtBy: ['log_consistency'],
    run: async (dir) => {
      await rewriteLog(
        dir,
        await leaves(dir),
        await signingKey(dir),
        'proofline.dev/tlog/0123456789abcdef0123456789abcdef',
      );
    },
  },
  {
    name: 'drop a bundle from a session and re-seal it, leaving the log alone',
    key: true,
    caughtBy: ['log_inclusion'],
    run: (dir) => rewriteSession(dir, (actions) => actions.slice(0, -1), { keepOldLeaf: true }),
  },
  {
    name: 'remove records of a sealed session from the embedded log',
    log: true,
    caughtBy: ['log_records'],
    run: (dir) =>
      editEmbeddedLog(
        dir,
        `DELETE FROM observations WHERE id IN (SELECT id FROM observations WHERE observation->>'$.kind' = 'guard_decision' LIMIT 1)`,
      ),
  },
  {
    name: 'add a record to a sealed session in the embedded log',
    log: true,
    caughtBy: ['log_records'],
    run: (dir) =>
      editEmbeddedLog(
        dir,
        `INSERT INTO observations SELECT max(seq) + 1, 'forged-id', any_value(session_id), '{}' FROM observations`,
      ),
  },
  {
    name: "move a genuine bundle file into another session's folder",
    on: 'export',
    caughtBy: ['location'],
    run: async (dir) => {
      const sessions = (await readdir(join(dir, 'bundles'))).sort();
      const from = join(dir, 'bundles', sessions[0]!);
      const file = (await readdir(from)).find((f) => f !== 'seal.dsse.json')!;
      await rename(join(from, file), join(dir, 'bundles', sessions[1]!, file));
    },
  },
  {
    name: 'rename a bundle file to another position',
    on: 'export',
    caughtBy: ['location', 'session_chain'],
    run: async (dir) => {
      const sessions = (await readdir(join(dir, 'bundles'))).sort();
      for (const session of sessions) {
        const folder = join(dir, 'bundles', session);
        const file = (await readdir(folder)).find((f) => f.startsWith('000000-'));
        if (file) return rename(join(folder, file), join(folder, file.replace('000000-', '000007-')));
      }
    },
  },
  {
    name: 'replace a session folder with a symlink',
    on: 'export',
    caughtBy: ['location', 'log_inclusion'],
    run: async (dir) => {
      const [session] = (await readdir(join(dir, 'bundles'))).sort();
      const folder = join(dir, 'bundles', session!);
      await rename(folder, `${dir}-moved`);
      await symlink(`${dir}-moved`, folder);
    },
  },
  {
    name: 'delete a session folder',
    on: 'export',
    caughtBy: ['log_inclusion'],
    run: async (dir) => {
      const [session] = (await readdir(join(dir, 'bundles'))).sort();
      await rm(join(dir, 'bundles', session!), { recursive: true });
    },
  },
];

/** Attacks that succeed, because the README's trust roots put them out of scope: verify must pass them. */
const OUT_OF_SCOPE: Attack[] = [
  {
    name: 'add a forged session after the last published checkpoint, with the key',
    key: true,
    caughtBy: [],
    run: async (dir) => {
      const key = await signingKey(dir);
      const all = await records(dir);
      const seal =
        all.find(
          (r) =>
            r.kind === 'seal' && r.statement.predicate && (r.statement.predicate as SessionSeal).count === 0,
        ) ?? all.find((r) => r.kind === 'seal')!;
      const statement = structuredClone(seal.statement) as Statement<SessionSeal>;
      statement.predicate.session_id = 'forged-after-checkpoint';
      statement.predicate.count = 0;
      statement.predicate.merkle_root = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
      statement.predicate.last_bundle = null;
      statement.subject = [
        { name: 'session:forged-after-checkpoint', digest: { sha256: statement.predicate.merkle_root } },
      ];
      const forged = signed(statement, key);
      await setLines(dir, [...all.map((r) => r.text), forged.text]);
      await rewriteLog(dir, [...(await leaves(dir)), forged.digest], key);
    },
  },
];

describe('the tamper suite', () => {
  it('the untouched data directory and its export verify, against the witness and the embedded log', async () => {
    for (const dir of [pristine, exported]) {
      const verdict = await verify(await copyOf(dir), { log: dir === pristine });
      expect(verdict.failed, dir).toEqual([]);
      expect(verdict.exitCode).toBe(0);
      expect(
        verdict.report.checks.some(
          (c) => c.check_name === 'log_consistency' && c.subject.startsWith('checkpoint:'),
        ),
      ).toBe(true);
    }
  });

  it('has at least 30 distinct attacks, each in the README table', async () => {
    expect(new Set(ATTACKS.map((a) => a.name)).size).toBe(ATTACKS.length);
    expect(ATTACKS.length).toBeGreaterThanOrEqual(30);
    const readme = await readFile(README, 'utf8');
    for (const attack of [...ATTACKS, ...OUT_OF_SCOPE])
      expect(readme, attack.name).toContain(`| ${attack.name} |`);
  });

  it.each(ATTACKS.map((a) => [a.name, a] as const))(
    '%s: caught',
    async (_, attack) => {
      const dir = await copyOf(attack.on === 'export' ? exported : pristine);
      await attack.run(dir);
      const verdict = await verify(dir, { log: attack.log });
      expect(verdict.exitCode).toBe(1);
      for (const check of attack.caughtBy)
        expect(verdict.failed, JSON.stringify(verdict.failed)).toContain(check);
      if (attack.only) expect(verdict.failed).toEqual(attack.caughtBy);
      // Failed evidence never makes the figures look better: something counts as unverifiable.
      expect(
        verdict.report.completeness.overall.unverifiable +
          verdict.failed.filter((c) => c.startsWith('log_')).length,
      ).toBeGreaterThan(0);
    },
    30_000,
  );

  it.each(OUT_OF_SCOPE.map((a) => [a.name, a] as const))(
    '%s: not caught (out of scope)',
    async (_, attack) => {
      const dir = await copyOf(pristine);
      await attack.run(dir);
      const verdict = await verify(dir);
      expect(verdict.failed).toEqual([]);
      const inclusion = verdict.report.checks.find(
        (c) => c.subject === 'session:forged-after-checkpoint' && c.check_name === 'log_inclusion',
      );
      // …but the report says the session was sealed after the last published checkpoint.
      expect(inclusion?.detail).toMatch(/not witnessed yet/);
    },
  );

  it('the server refuses a signing key that group or others can read', async () => {
    const dir = await freshDataDir('proofline-insecure-key-');
    const made = await keygen(join(dir, 'keys'));
    await chmod(made.privateKeyPath, 0o644);
    await expect(startPipeline({ dataDir: dir, ingest: { port: 0 } })).rejects.toBeInstanceOf(
      KeyInsecureError,
    );
  });
});
