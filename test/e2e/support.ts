// Shared by the end-to-end tests: a real embedded pipeline in a fresh data directory, the real Codex captures
// replayed into it, and the bundles it wrote read back as statements.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startPipeline, type Pipeline } from '../../service/embedded.js';
import { loadScenario, replayScenario } from '../../service/replay.js';
import { loadGuard } from '../../policy/load.js';
import type { ActionProof, DsseEnvelope, SessionSeal, Statement } from '../../schemas/bundle.js';
import type { Output } from '../../verifier/output.js';

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
  path: string;
  text: string;
  envelope: DsseEnvelope;
  statement: Statement<ActionProof | SessionSeal>;
}

export async function readBundles(dataDir: string): Promise<BundleFile[]> {
  const root = join(dataDir, 'bundles');
  const files: BundleFile[] = [];
  for (const session of (await readdir(root)).sort()) {
    for (const name of (await readdir(join(root, session))).filter((f) => f.endsWith('.dsse.json')).sort()) {
      const path = join(root, session, name);
      const text = await readFile(path, 'utf8');
      const envelope = JSON.parse(text) as DsseEnvelope;
      const statement = JSON.parse(
        Buffer.from(envelope.payload, 'base64').toString('utf8'),
      ) as BundleFile['statement'];
      files.push({ path, text, envelope, statement });
    }
  }
  return files;
}

export function actionProofs(files: readonly BundleFile[]): ActionProof[] {
  return files
    .filter((f) => !f.path.endsWith('seal.dsse.json'))
    .map((f) => f.statement.predicate as ActionProof);
}

export function seals(files: readonly BundleFile[]): SessionSeal[] {
  return files
    .filter((f) => f.path.endsWith('seal.dsse.json'))
    .map((f) => f.statement.predicate as SessionSeal);
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
