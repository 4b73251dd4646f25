// `proofline report --format ocsf`: one OCSF 1.5.0 API Activity event (class 6003) per action, as NDJSON, for a
// SIEM. The guard's decision and every approval are OCSF `authorization` objects on the actor; what OCSF has
// no field for is under `unmapped.proofline`. The mapping is below, field by field (README, "Reports for
// auditors"), the shape in schemas/json/ocsf-api-activity.schema.json (test/verifier/exports.test.ts checks both, and the
// events with an OCSF 1.5.0 model library).
import type { ActionRow, ApprovalRow } from '../audit-data.js';

export const OCSF_VERSION = '1.5.0';
const API_ACTIVITY = 6003;
const APPLICATION_ACTIVITY = 6;
const ACTIVITY_OTHER = 99;

const SEVERITY = { informational: [1, 'Informational'], medium: [3, 'Medium'], high: [4, 'High'] } as const;
const STATUS = {
  succeeded: [1, 'Success'],
  failed: [2, 'Failure'],
  blocked: [2, 'Failure'],
  unknown: [0, 'Unknown'],
} as const;

export interface OcsfAuthorization {
  decision: string;
  policy: { name: string; uid?: string; desc?: string };
}

export interface OcsfApiActivity {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  time: number;
  start_time?: number;
  end_time?: number;
  duration?: number;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  status_detail: string;
  message: string;
  metadata: {
    version: string;
    uid: string;
    correlation_uid: string;
    original_time?: string;
    log_name: string;
    product: { name: string; vendor_name: string; version: string };
  };
  actor: { app_name: string; session: { uid: string }; authorizations: OcsfAuthorization[] };
  api: { operation: string; request: { uid: string }; service: { name: string } };
  src_endpoint: { name: string };
  unmapped: { proofline: Record<string, unknown> };
}

/** Unverified evidence is high; a refusal, or a call that ran with no guard receipt where one belongs, medium. */
function severity(a: ActionRow): (typeof SEVERITY)[keyof typeof SEVERITY] {
  if (!a.verified) return SEVERITY.high;
  if (a.outcome === 'blocked' || a.approval?.includes('denied') || a.missing.includes('admissibility'))
    return SEVERITY.medium;
  return SEVERITY.informational;
}

function millis(iso: string | null): number | undefined {
  return iso === null ? undefined : Date.parse(iso);
}

export function ocsfEvent(
  a: ActionRow,
  approvals: readonly ApprovalRow[],
  assemblerVersion: string,
): OcsfApiActivity {
  const [severity_id, severityName] = severity(a);
  const [status_id, status] = STATUS[a.outcome as keyof typeof STATUS] ?? STATUS.unknown;
  const start = millis(a.started_at);
  const end = millis(a.ended_at);
  const tool = a.tool_name ?? 'unknown';
  const authorizations: OcsfAuthorization[] = [
    ...(a.route === null
      ? []
      : [
          {
            decision: a.route,
            policy: {
              name: a.rule ?? 'policy default',
              ...(a.policy_digest === null ? {} : { uid: a.policy_digest }),
              ...(a.reason === null ? {} : { desc: a.reason }),
            },
          },
        ]),
    ...approvals.map((p) => ({
      decision: p.decision,
      policy: {
        name: `approval by ${p.source}`,
        desc: `${p.decision}${p.approver === null ? '' : ` by ${p.approver}`} (${p.enforceability})`,
      },
    })),
  ];
  return {
    class_uid: API_ACTIVITY,
    class_name: 'API Activity',
    category_uid: APPLICATION_ACTIVITY,
    category_name: 'Application Activity',
    activity_id: ACTIVITY_OTHER,
    activity_name: 'Tool Call',
    type_uid: API_ACTIVITY * 100 + ACTIVITY_OTHER,
    type_name: 'API Activity: Other',
    // An action with no runtime time at all is placed at the epoch rather than dropped.
    time: start ?? end ?? 0,
    ...(start === undefined ? {} : { start_time: start }),
    ...(end === undefined ? {} : { end_time: end }),
    ...(start !== undefined && end !== undefined ? { duration: end - start } : {}),
    severity_id,
    severity: severityName,
    status_id,
    status,
    status_detail:
      a.outcome === 'blocked'
        ? `blocked before execution${a.reason === null ? '' : `: ${a.reason}`}`
        : `outcome ${a.outcome}`,
    message: `${tool}: route ${a.route ?? 'none'}, ${a.outcome}, ρ ${a.rho}${a.verified ? '' : ', evidence failed verification'}`,
    metadata: {
      version: OCSF_VERSION,
      uid: a.bundle_digest,
      correlation_uid: a.session_id,
      ...(a.started_at === null ? {} : { original_time: a.started_at }),
      log_name: 'proofline bundles',
      product: { name: 'proofline', vendor_name: 'proofline', version: assemblerVersion },
    },
    actor: { app_name: a.runtime_family, session: { uid: a.session_id }, authorizations },
    api: { operation: tool, request: { uid: a.action_id }, service: { name: a.runtime_family } },
    src_endpoint: { name: a.runtime_family },
    unmapped: {
      proofline: {
        action_id: a.action_id,
        turn_id: a.turn_id,
        sequence: a.sequence,
        route: a.route,
        enforceability: a.enforceability,
        outcome: a.outcome,
        receipts: a.receipts,
        missing: a.missing,
        rho: a.rho,
        receipts_rho: a.receipts_rho,
        verified: a.verified,
        bundle_digest: a.bundle_digest,
        file: a.file,
      },
    },
  };
}

export function renderOcsf(
  actions: readonly ActionRow[],
  approvals: ReadonlyMap<string, readonly ApprovalRow[]>,
  assemblerVersions: ReadonlyMap<string, string>,
): string {
  return actions
    .map(
      (a) =>
        `${JSON.stringify(ocsfEvent(a, approvals.get(a.file) ?? [], assemblerVersions.get(a.file) ?? 'unknown'))}\n`,
    )
    .join('');
}
