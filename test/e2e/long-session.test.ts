// A long session: in a conversation nearly everything before an action is in its backward slice, so whole
// slices made each bundle grow with its place in the session (a session of 8,000 records made 808 MB). A slice
// now stops at nodes an earlier bundle of the session lists with the same labels (its frontier); each bundle
// stays the size of what is new, the session still verifies, and every frontier node is listed earlier.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeProtobuf, logsRequest } from '../../bench/workload.js';
import type { ActionProof } from '../../schemas/bundle.js';
import type { Pipeline } from '../../service/embedded.js';
import { runVerify } from '../../verifier/verify-command.js';
import { actionProofs, captureOutput, readBundles, startTestPipeline } from './support.js';
import { forgeChain, rewriteSession } from './tamper-kit.js';

const CALLS = 40;
/** Records per call in the bench workload's clone of a real Codex capture (binary_allow's log export). */
const RECORDS_PER_CALL = 9;

type Records = { attributes: { key: string; value: { stringValue?: string } }[] }[];

describe('a long session', () => {
  let pipeline: Pipeline;
  let proofs: ActionProof[];
  beforeAll(async () => {
    pipeline = await startTestPipeline();
    const request = logsRequest(0, 1, CALLS * RECORDS_PER_CALL);
    const records = (request.resourceLogs as { scopeLogs: { logRecords: Records }[] }[])[0]!.scopeLogs[0]!
      .logRecords;
    records.forEach((record, i) => {
      for (const attribute of record.attributes)
        if (attribute.key === 'call_id')
          attribute.value.stringValue = `call_${Math.floor(i / RECORDS_PER_CALL)}`;
    });
    const response = await fetch(`${pipeline.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeProtobuf(request),
    });
    expect(response.status).toBe(200);
    await pipeline.flush();
    proofs = actionProofs(await readBundles(pipeline.dataDir)).sort(
      (a, b) => a.manifest.sequence - b.manifest.sequence,
    );
  });
  afterAll(async () => pipeline?.close());

  it('lists the whole slice first, then only what is new behind a frontier an earlier bundle lists', () => {
    expect(proofs.length).toBeGreaterThan(CALLS / 2);
    expect(proofs[0]!.evidence.slice.frontier).toBeUndefined();
    const listedBefore = new Map<string, string>();
    for (const proof of proofs) {
      const { nodes, frontier = [] } = proof.evidence.slice;
      const labels = new Map(nodes.map((n) => [n.id, [...n.labels].sort().join(',')]));
      for (const id of frontier) expect(listedBefore.get(id)).toBe(labels.get(id));
      for (const [id, key] of labels) listedBefore.set(id, key);
    }
    const sizes = proofs.map((p) => p.evidence.slice.nodes.length);
    // Whole slices grow by a call's records at every step; these stay within a few calls' worth.
    expect(Math.max(...sizes.slice(1))).toBeLessThan(4 * RECORDS_PER_CALL);
    expect(proofs.at(-1)!.evidence.slice.frontier!.length).toBeGreaterThan(0);
  });

  it('verifies', async () => {
    const output = captureOutput();
    expect(
      await runVerify({ paths: [pipeline.dataDir], minCompleteness: 0, format: 'text' }, output.out),
    ).toBe(0);
  });

  it('fails session_chain when a bundle stops its slice at a node no earlier bundle lists so', async () => {
    // Only the key holder can make such a bundle: this is the check on the assembler's own consistency.
    const dir = join(await mkdtemp(join(tmpdir(), 'proofline-frontier-')), 'data');
    try {
      await cp(pipeline.dataDir, dir, { recursive: true });
      const last = proofs.at(-1)!.manifest.sequence;
      await rewriteSession(dir, (actions, key) =>
        forgeChain(actions, key, (proof) => {
          if (proof.manifest.sequence === last)
            for (const node of proof.evidence.slice.nodes) node.labels.push('forged_label');
        }),
      );
      const output = captureOutput();
      expect(await runVerify({ paths: [dir], minCompleteness: 0, format: 'text' }, output.out)).not.toBe(0);
      expect(output.stdout()).toMatch(/stops its slice at \S+, which no earlier bundle of the session lists/);
    } finally {
      await rm(dirname(dir), { recursive: true, force: true });
    }
  });
});
