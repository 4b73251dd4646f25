// Checks across a session's bundles: the chain of previous_bundle links, and the seal that pins its length
// and content. Together they detect removed, reordered, duplicated and truncated bundles.
import { merkleRoot } from '../../schemas/merkle.js';
import { SESSIONS_SQL, computedCheck, perSessionCheck, sessionProblems } from './table-check.js';

/** Sequences 0..n-1, once each, each linking to its predecessor's digest, in files named for their position. */
export const sessionChain = perSessionCheck(
  'session_chain',
  // Gaps are found between neighbouring sequences, never by listing 0..max: one forged bundle claiming
  // sequence 2^31 - 1 must cost one row, not two billion.
  `WITH present AS (
     SELECT DISTINCT session_id, sequence::BIGINT AS sequence FROM bundles
   ), gaps AS (
     SELECT session_id, coalesce(lag(sequence) OVER (PARTITION BY session_id ORDER BY sequence), -1) + 1 AS first,
            sequence - 1 AS last
     FROM present
   )
   SELECT session_id, format('sequence {} is held by {} bundles ({}): duplicated', sequence, count(*), string_agg(file, ', ' ORDER BY file))
   FROM bundles GROUP BY session_id, sequence HAVING count(*) > 1
   UNION ALL
   SELECT session_id, format('action {} appears at sequences {}: duplicated', action_id, list(DISTINCT sequence ORDER BY sequence))
   FROM bundles GROUP BY session_id, action_id HAVING count(DISTINCT sequence) > 1
   UNION ALL
   SELECT session_id,
          CASE WHEN first = last THEN format('no bundle with sequence {}: removed', first)
               ELSE format('no bundles with sequences {} to {} ({} of them): removed', first, last, last - first + 1) END
   FROM gaps WHERE first <= last
   UNION ALL
   SELECT b.session_id, format('{} (sequence {}) does not link to the bundle before it', b.file, b.sequence)
   FROM bundles b
   WHERE (b.sequence = 0 AND b.previous_bundle IS NOT NULL)
      OR (EXISTS (SELECT 1 FROM bundles p WHERE p.session_id = b.session_id AND p.sequence = b.sequence - 1)
          AND NOT EXISTS (SELECT 1 FROM bundles p
                          WHERE p.session_id = b.session_id AND p.sequence = b.sequence - 1 AND p.digest = b.previous_bundle))
   UNION ALL
   SELECT session_id, format('{} is named for position {} but holds sequence {}: reordered', file, file_sequence, sequence)
   FROM bundles WHERE file_sequence <> sequence
   UNION ALL
   -- A slice stops at its frontier, leaving what lies behind it to an earlier bundle of the session: one must
   -- list the node with the same labels, or that part of the action's ancestry is in no bundle.
   SELECT f.session_id, format('{} (sequence {}) stops its slice at {}, which no earlier bundle of the session lists with the same labels', f.file, b.sequence, f.node_id)
   FROM slice_frontier f
   JOIN bundles b ON b.file = f.file
   JOIN slice_nodes n ON n.file = f.file AND n.node_id = f.node_id
   WHERE NOT EXISTS (
     SELECT 1 FROM slice_nodes e JOIN bundles eb ON eb.file = e.file
     WHERE e.session_id = f.session_id AND e.node_id = f.node_id AND eb.sequence < b.sequence
       AND list_sort(e.labels) = list_sort(n.labels))`,
);

interface SealedSession {
  session_id: string;
  bundle_count: number;
  /** The loaded bundles' digests in chain order. */
  digests: string[];
  last_digest: string | null;
  seals: {
    file: string;
    signature_ok: boolean;
    bundle_count: number;
    merkle_root: string;
    last_bundle: string | null;
    quarantine_reason: string | null;
  }[];
}

/** One trustworthy seal whose count, Merkle root and last bundle match the bundles that are actually here. */
export const sessionSeal = computedCheck('session_seal', async (db) => {
  const sessions = await db.rows<SealedSession>(`
    WITH chain AS (
      SELECT session_id, count(*)::INTEGER AS bundle_count, list(digest ORDER BY sequence, file) AS digests,
             arg_max(digest, sequence) AS last_digest
      FROM bundles GROUP BY session_id
    )
    SELECT s.session_id, coalesce(c.bundle_count, 0) AS bundle_count, coalesce(c.digests, []) AS digests, c.last_digest,
           coalesce((SELECT list({'file': x.file, 'signature_ok': x.signature_ok, 'bundle_count': x.bundle_count,
                                  'merkle_root': x.merkle_root, 'last_bundle': x.last_bundle,
                                  'quarantine_reason': x.quarantine_reason} ORDER BY x.file)
                     FROM seals x WHERE x.session_id = s.session_id), []) AS seals
    FROM (${SESSIONS_SQL}) s LEFT JOIN chain c ON c.session_id = s.session_id`);
  return sessions.map((session) => sessionProblems(session.session_id, sealProblems(session)));
});

function sealProblems({ bundle_count, digests, last_digest, seals }: SealedSession): string[] {
  if (seals.length === 0) return ['the session has no seal: its length cannot be proven'];
  if (seals.length > 1)
    return [`${seals.length} seals for one session (${seals.map((s) => s.file).join(', ')})`];
  const seal = seals[0]!;
  const problems: string[] = [];
  if (!seal.signature_ok) problems.push(`${seal.file}: the seal's signature does not verify`);
  if (seal.bundle_count !== bundle_count)
    problems.push(`seal covers ${seal.bundle_count} bundles, ${bundle_count} found`);
  if (seal.merkle_root !== merkleRoot(digests))
    problems.push('Merkle root over the bundles found differs from the seal');
  if (seal.last_bundle !== last_digest) problems.push('last bundle found is not the one the seal names');
  // Signed and intact, and still a failure: the assembler could not process this session's records.
  if (seal.quarantine_reason !== null)
    problems.push(`quarantined by the assembler (its records were dead-lettered): ${seal.quarantine_reason}`);
  return problems;
}
