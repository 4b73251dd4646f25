// The corpus's adversary: after the bundles are written, someone with write access to the data directory makes
// a refused or incomplete action look allowed and complete. `rewrite_summary` edits the statement and leaves
// the signature as it was; `foreign_key` also re-signs it with a key of the attacker's own under the original
// key id. Either way the proof must not be accepted.
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

import type { ActionProof, DsseEnvelope, Statement } from '../schemas/bundle.js';
import { canonicalize } from '../schemas/digest.js';
import { preAuthEncoding } from '../schemas/dsse.js';

export type Tampering = 'rewrite_summary' | 'foreign_key';

/** `location`: a segment record, `<segment file>:<line>` (schemas/segment.ts). */
export async function tamperBundle(location: string, how: Tampering): Promise<void> {
  await rewriteRecord(location, (text) => tampered(text, how));
}

/** Replaces one record of a segment file in place, as someone with write access to the data directory can. */
export async function rewriteRecord(location: string, edit: (text: string) => string | null): Promise<void> {
  const [, file, line] = /^(.*):(\d+)$/.exec(location) ?? [];
  if (file === undefined) throw new Error(`not a record location: ${location}`);
  const lines = (await readFile(file, 'utf8')).split('\n');
  const replacement = edit(lines[Number(line) - 1]!);
  if (replacement === null) lines.splice(Number(line) - 1, 1);
  else lines[Number(line) - 1] = replacement;
  await writeFile(file, lines.join('\n'));
}

function tampered(text: string, how: Tampering): string {
  const envelope = JSON.parse(text) as DsseEnvelope;
  const statement = JSON.parse(
    Buffer.from(envelope.payload, 'base64').toString('utf8'),
  ) as Statement<ActionProof>;
  const { summary } = statement.predicate;
  const expected = summary.completeness.expected;
  statement.predicate.summary = {
    ...summary,
    route: 'allow',
    outcome: 'succeeded',
    completeness: { expected, observed: expected, missing: [], rho: 1 },
  };
  const payload = Buffer.from(canonicalize(statement), 'utf8');
  const signatures =
    how === 'foreign_key'
      ? [
          {
            keyid: envelope.signatures[0]?.keyid ?? '',
            sig: attackerSignature(envelope.payloadType, payload),
          },
        ]
      : envelope.signatures;
  return canonicalize({ ...envelope, payload: payload.toString('base64'), signatures });
}

function attackerSignature(payloadType: string, payload: Buffer): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return sign(null, preAuthEncoding(payloadType, payload), privateKey).toString('base64');
}
