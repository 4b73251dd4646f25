// Verification end to end, in the order a reviewer would go: read and check each file (and walk its slice), load
// what it says, recompute each claim from the tables, then check each session as a whole. Results land in
// `checks`.
import type { ApproverSet } from '../schemas/approvers.js';
import { approvalSignature } from './checks/approval-signature.js';
import { ACTION_CHECKS, ALL_CHECKS, SESSION_CHECKS, type CheckResult } from './checks/check.js';
import { completeness, receiptChain, routeConsistency } from './checks/action-checks.js';
import { routeRederived, type PolicyInForce } from './checks/route-rederive.js';
import { logChecks } from './checks/log-checks.js';
import { sessionChain, sessionSeal } from './checks/session-checks.js';
import type { TrustedKeys } from './checks/signature.js';
import type { SLICE_CHECKS } from './checks/slice-checks.js';
import type { TableCheck } from './checks/table-check.js';
import type { Database } from './database.js';
import type { Source } from './discover.js';
import { checkRow, loadBundles } from './load.js';
import { createTables } from './tables.js';

/** The action and session checks run over the loaded tables; the slice checks run as each bundle loads. */
const TABLE_CHECKS: Record<
  Exclude<(typeof ACTION_CHECKS)[number] | (typeof SESSION_CHECKS)[number], keyof typeof SLICE_CHECKS>,
  TableCheck
> = {
  receipt_chain: receiptChain,
  completeness,
  route_consistency: routeConsistency,
  session_chain: sessionChain,
  session_seal: sessionSeal,
};

export interface VerifyInputs {
  sources: readonly Source[];
  keys: TrustedKeys;
  /** The policies in force, by digest (policies.ts); none given, route_rederived is not run. */
  policies?: ReadonlyMap<string, PolicyInForce>;
  /** The data directories given whole (their transparency logs are checked) and what was misplaced in them. */
  dataDirs?: readonly string[];
  layoutProblems?: readonly CheckResult[];
  /** Published checkpoints (`--checkpoint`) and the embedded log (`--log`). */
  checkpoints?: readonly string[];
  embeddedLog?: string;
  /** The approvers trusted for signed approval grants. */
  approvers?: ApproverSet;
}

export async function verifyBundles(db: Database, inputs: VerifyInputs): Promise<void> {
  await createTables(db);
  await loadBundles(db, inputs.sources, inputs.keys);
  await db.append('checks', (inputs.layoutProblems ?? []).map(checkRow));
  for (const check of Object.values(TABLE_CHECKS)) await check.record(db);
  await db.append('checks', (await approvalSignature(db, inputs.approvers)).map(checkRow));
  const policies = inputs.policies ?? new Map();
  if (policies.size > 0) await db.append('checks', (await routeRederived(db, policies)).map(checkRow));
  const logged = await logChecks(db, {
    dataDirs: inputs.dataDirs ?? [],
    keys: inputs.keys,
    checkpoints: inputs.checkpoints ?? [],
    embeddedLog: inputs.embeddedLog,
  });
  await db.append('checks', logged.map(checkRow));
}

/** Results are read back this many at a time, each slice as one JSON text: DuckDB writes JSON faster than
 * its client hands strings over one by one, and no text grows past what one string can hold. */
const RESULTS_PER_SLICE = 50_000;

/** Every recorded result: sessions in order, file results before session results, checks in declared order. */
export async function checkResults(db: Database): Promise<CheckResult[]> {
  const slices = await db.rows<{ results: string }>(`
    SELECT CAST(to_json(list(checks)) AS VARCHAR) AS results
    FROM (SELECT checks, (row_number() OVER () - 1) // ${RESULTS_PER_SLICE} AS slice FROM checks)
    GROUP BY slice`);
  const collator = new Intl.Collator(); // what localeCompare uses, made once
  return slices
    .flatMap((slice) => JSON.parse(slice.results) as CheckResult[])
    .map((result) => ({
      result,
      key: `${result.session_id ?? ''}\u0000${result.file === null ? 1 : 0}\u0000${result.subject}`,
      check: ALL_CHECKS.indexOf(result.check_name),
    }))
    .sort((a, b) => collator.compare(a.key, b.key) || a.check - b.check)
    .map(({ result }) => result);
}
