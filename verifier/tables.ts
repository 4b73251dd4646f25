// The tables bundles are loaded into. They are the interface of `proofline report --sql`, so names are stable
// and every row carries `file` (the join key) plus the session and action it belongs to. Times are TIMESTAMP
// in UTC (microseconds; the runtime's nanoseconds are cut), so a query compares and buckets them directly.
import { expectedReceipts, RECEIPT_EXPECTATIONS } from '../schemas/completeness.js';
import { RUNTIME_FAMILIES } from '../schemas/observation.js';
import { COMPLETENESS_VIEWS } from './completeness.js';
import type { Database } from './database.js';

export const TABLES = {
  /** `record` numbers the action bundles loaded in this run (1, 2, …); a bundle's receipts carry its number.
   * It joins them as `file` does, on an integer: completeness over a million actions joins on it. */
  bundles: `
    file VARCHAR, session_id VARCHAR, action_id VARCHAR, turn_id VARCHAR,
    sequence INTEGER, file_sequence INTEGER, digest VARCHAR, previous_bundle VARCHAR,
    keyid VARCHAR, signature_ok BOOLEAN, signer_keyid VARCHAR,
    runtime_family VARCHAR, tool_name VARCHAR, input_digest VARCHAR, route VARCHAR, enforceability VARCHAR,
    outcome VARCHAR, rho_claimed DOUBLE, expected_claimed VARCHAR[], observed_claimed VARCHAR[],
    completeness_verdict VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP,
    policy_digest VARCHAR, assembler_version VARCHAR, record INTEGER`,
  receipts: `
    file VARCHAR, session_id VARCHAR, action_id VARCHAR, checkpoint VARCHAR, receipt_index INTEGER,
    position INTEGER, status VARCHAR, observation_ids VARCHAR[], facts JSON,
    previous VARCHAR, digest VARCHAR, digest_recomputed VARCHAR, record INTEGER`,
  slice_roots: `file VARCHAR, session_id VARCHAR, action_id VARCHAR, node_id VARCHAR`,
  slice_nodes: `file VARCHAR, session_id VARCHAR, action_id VARCHAR, node_id VARCHAR, kind VARCHAR, name VARCHAR, labels VARCHAR[]`,
  slice_edges: `file VARCHAR, session_id VARCHAR, action_id VARCHAR, from_id VARCHAR, to_id VARCHAR, edge_type VARCHAR`,
  slice_frontier: `file VARCHAR, session_id VARCHAR, action_id VARCHAR, node_id VARCHAR`,
  approvals: `
    file VARCHAR, session_id VARCHAR, action_id VARCHAR, source VARCHAR, decision VARCHAR, approver VARCHAR,
    enforceability VARCHAR, observation VARCHAR`,
  /** As each action bundle states them, at its action's time; the columns after due_at are null in bundles
   * made before obligation tracking. */
  obligations: `
    file VARCHAR, session_id VARCHAR, action_id VARCHAR, obligation_id VARCHAR, rule_id VARCHAR, status VARCHAR,
    due_at TIMESTAMP, duty VARCHAR, created_by VARCHAR, discharged_by VARCHAR, discharged_at TIMESTAMP,
    waived_by VARCHAR`,
  seals: `
    file VARCHAR, session_id VARCHAR, digest VARCHAR, keyid VARCHAR, signature_ok BOOLEAN, runtime_family VARCHAR,
    bundle_count INTEGER, merkle_root VARCHAR, last_bundle VARCHAR, observation_count INTEGER,
    observations_root VARCHAR, reason VARCHAR, assembler_version VARCHAR, late_records INTEGER,
    quarantine_reason VARCHAR`,
  /** The final statuses a session seal records. */
  seal_obligations: `
    file VARCHAR, session_id VARCHAR, obligation_id VARCHAR, rule_id VARCHAR, status VARCHAR, due_at TIMESTAMP,
    duty VARCHAR, created_by VARCHAR, discharged_by VARCHAR, discharged_at TIMESTAMP, waived_by VARCHAR`,
  checks: `
    subject VARCHAR, file VARCHAR, session_id VARCHAR, action_id VARCHAR, check_name VARCHAR, status VARCHAR,
    code VARCHAR, detail VARCHAR`,
  /** The action bundles `report --since/--until` left out of the window (window.ts); empty without one. */
  window_excluded: `file VARCHAR, session_id VARCHAR`,
  /** schemas/completeness.ts as a table, so completeness is recomputed by a join rather than trusted. */
  expected_receipts: `runtime_family VARCHAR, refused BOOLEAN, gated BOOLEAN, checkpoint VARCHAR`,
} as const;

export type TableName = keyof typeof TABLES;

/** Creates (replacing, so a `--db` file reflects only this run) every table and the completeness views. */
export async function createTables(db: Database): Promise<void> {
  for (const [name, columns] of Object.entries(TABLES))
    await db.run(`CREATE OR REPLACE TABLE ${name} (${columns})`);
  await db.append(
    'expected_receipts',
    RUNTIME_FAMILIES.flatMap((family) =>
      RECEIPT_EXPECTATIONS.flatMap((expectation) =>
        expectedReceipts(family, expectation).map((checkpoint) => [
          family,
          expectation.refused,
          expectation.gated,
          checkpoint,
        ]),
      ),
    ),
  );
  for (const view of COMPLETENESS_VIEWS) await db.run(view);
}
