// A call proofline allowed but the runtime never ran (the capture's own hook denied it): its records that no
// receipt can cite (Codex's result-ready notice) are still the action's own, so the bundle's backward slice
// must verify. This once failed `backward_slice`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Pipeline } from '../../service/embedded.js';
import { runVerify } from '../../verifier/verify-command.js';
import { actionProofs, captureOutput, readBundles, replay, startTestPipeline } from './support.js';

describe('slice roots', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startTestPipeline();
    await replay(pipeline, 'binary_deny');
    await pipeline.flush();
  });
  afterAll(async () => pipeline?.close());

  it('lists the action’s own observations as roots, cited or not, and verifies', async () => {
    const [proof] = actionProofs(await readBundles(pipeline.dataDir));
    const cited = new Set(proof!.evidence.receipts.flatMap((r) => r.observations.map((o) => o.id)));
    const uncitedRoots = proof!.evidence.slice.roots.filter((id) => !cited.has(id));
    expect(uncitedRoots.length).toBeGreaterThan(0);
    expect(proof!.summary).toMatchObject({ route: 'allow', outcome: 'unknown' });

    const output = captureOutput();
    expect(
      await runVerify({ paths: [pipeline.dataDir], minCompleteness: 0, format: 'text' }, output.out),
    ).toBe(0);
  });
});
