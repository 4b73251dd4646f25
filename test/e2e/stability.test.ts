// Same input, same signing key, two fresh data directories: byte-identical manifests (and, Ed25519 being
// deterministic, byte-identical bundle files). No wall-clock time may leak into what is signed.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { keygen } from '../../assembler/keygen.js';
import type { ActionProof } from '../../schemas/bundle.js';
import { canonicalize } from '../../schemas/digest.js';
import { DENY_POLICY, freshDataDir, readBundles, replay, startTestPipeline } from './support.js';

async function buildOnce(keyDir: string): Promise<Awaited<ReturnType<typeof readBundles>>> {
  const dataDir = await freshDataDir('proofline-stability-');
  await cp(keyDir, join(dataDir, 'keys'), { recursive: true });
  const pipeline = await startTestPipeline(dataDir);
  try {
    await replay(pipeline, 'binary_allow');
    await replay(pipeline, 'json_deny', DENY_POLICY);
    await pipeline.flush();
  } finally {
    await pipeline.close();
  }
  return readBundles(dataDir);
}

describe('manifest stability', () => {
  it('replaying the same captures into two fresh data directories gives byte-identical manifests', async () => {
    const keys = await keygen(join(await freshDataDir('proofline-keys-'), 'keys'));
    const first = await buildOnce(join(keys.privateKeyPath, '..'));
    const second = await buildOnce(join(keys.privateKeyPath, '..'));

    const manifests = (files: typeof first) =>
      files
        .filter((f) => f.kind === 'action')
        .map((f) => canonicalize((f.statement.predicate as ActionProof).manifest));
    expect(manifests(first)).toHaveLength(2);
    expect(manifests(second)).toEqual(manifests(first));
    expect(second.map((f) => f.text)).toEqual(first.map((f) => f.text));
  });
});
