// Shared by the end-to-end tests: a real embedded pipeline in a fresh data directory, the real Codex captures
// replayed into it, and the bundles it wrote (segments, schemas/segment.ts) read back as statements.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startPipeline, type Pipeline } from '../../service/embedded.js';
import { loadScenario, replayScenario } from '../../service/replay.js';
import { loadGuard } from '../../policy/load.js';
import {
  actionBundleFileName,
  SEAL_FILE_NAME,
  storageName,
  type ActionProof,
  type DsseEnvelope,
  type SessionSeal,
  type Statement,
} from '../../schemas/bundle.js';
import { readRecords } from '../../schemas/segment.js';
import type { Output } from '../../verifier/output.js';

/** What the captures in test/fixtures hold: 26 sessions (24 captures, two of them --approve-for-me with a
 * guardian's sub-session too) and 33 tool calls, each bundled exactly once. */
export const FIXTURE_SESSIONS = 26;
export const FIXTURE_ACTIONS = 33;

export const DENY_POLICY = new URL('../../deploy/demo/deny-shell-redirects.yaml', import.meta.url).pathname;

export async function freshDataDir(prefix = 'proofline-e2e-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function startTestPipeline(dataDir?: string): Promise<Pipeline> {
  return startPipeline({ dataDir: dataDir ?? (await freshDataDir()), ingest: { port: 0 } });
}

/** Replays one capture under a policy (a rule file path, or allow-all) and fails loudly on any non-200. */
export async function replay(pipeline: Pipeline, name: string, policyFile?: string): Promise<void> {
  pipeline.setGuard(loadGuard(policyFile));
  const result = await replayScenario(await loadScenario(name), { url: pipeline.url });
  const failed = [
    ...result.hooks.filter((h) => h.exitCode !== 0).map((h) => `${h.event} exit ${h.exitCode}: ${h.stderr}`),
    ...result.otlp.filter((o) => o.status !== 200).map((o) => `${o.file} ${o.status}: ${o.body}`),
  ];
  if (failed.length > 0) throw new Error(`replay of ${name} failed:\n${failed.join('\n')}`);
}

export interface BundleFile {
  /** Where the record is: `<segment file>:<line>`. */
  path: string;
  kind: 'action' | 'seal';
  /** The record: an envelope's canonical JSON. */
  text: string;
  envelope: DsseEnvelope;
  statement: Statement<ActionProof | SessionSeal>;
}

/** Every bundle and seal in a data directory's segments, in the order written. */
export async function readBundles(dataDir: string): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  for await (const record of readRecords(dataDir))
    files.push({
      path: `${record.path}:${record.position.line}`,
      kind: record.kind,
      text: record.text,
      envelope: record.envelope,
      statement: record.statement,
    });
  return files;
}

export function actionProofs(files: readonly BundleFile[]): ActionProof[] {
  return files.filter((f) => f.kind === 'action').map((f) => f.statement.predicate as ActionProof);
}

export function seals(files: readonly BundleFile[]): SessionSeal[] {
  return files.filter((f) => f.kind === 'seal').map((f) => f.statement.predicate as SessionSeal);
}

/** Where `proofline export` puts it: `<session folder>/<file name>` (schemas/bundle.ts). */
export function placeOf(file: BundleFile): string {
  const proof = file.statement.predicate as ActionProof;
  const name =
    file.kind === 'seal'
      ? SEAL_FILE_NAME
      : actionBundleFileName(proof.manifest.sequence, proof.summary.action_id);
  return `${storageName(sessionOf(file))}/${name}`;
}

/** The session a bundle or seal belongs to, as it states. */
export function sessionOf(file: BundleFile): string {
  return file.kind === 'seal'
    ? (file.statement.predicate as SessionSeal).session_id
    : (file.statement.predicate as ActionProof).summary.session_id;
}

/** Captures what a verifier/report command prints (their `Output` parameter). */
export function captureOutput(): { out: Output; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    out: { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
