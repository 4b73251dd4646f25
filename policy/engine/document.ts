// The policy document as parsed and validated against schemas/json/policy.schema.json, defaults filled in.
// Its canonical JSON is what the policy digest covers.
import type { ExternalityContext, ExternalityField, Route } from '../../schemas/guard.js';

export type Modality = 'permit' | 'prohibit' | 'obligation' | 'dispensation';

export type OneOrMany = string | string[];

export type FieldConditions = { [F in ExternalityField]?: Array<ExternalityContext[F]> };

export interface Conditions extends FieldConditions {
  tool?: OneOrMany;
  command?: {
    glob?: OneOrMany;
    regex?: string;
    program?: OneOrMany;
    subcommand?: OneOrMany;
    flags?: string[];
  };
  paths?: { read?: OneOrMany; write?: OneOrMany };
  mcp_server?: OneOrMany;
  /** Any of these labels on the action itself. */
  labels?: string[];
  /** Any of these classes (or a subclass) in what the action reads or sends. */
  data_classes?: string[];
  /** Labels and data classes of the action's backward slice (GuardRequest.session). */
  ancestry?: { all?: string[]; any?: string[]; none?: string[] };
}

export interface PolicyRule {
  id: string;
  modality: Modality;
  /** Default: `block` for a prohibition, `allow` otherwise. */
  route?: Route;
  priority: number;
  reason?: string;
  when?: Conditions;
  /** Obligations: the duty, the action that discharges it, and the time allowed (`10m`). */
  duty?: string;
  after?: Conditions;
  within?: string;
  /** Dispensations: the obligations or prohibitions they waive. */
  waives?: string[];
}

export interface PolicyDocument {
  version: 1;
  name?: string;
  default_route: Route;
  owned: { git_orgs: string[]; hosts: string[]; registries: string[]; mcp_servers: string[] };
  classes: Record<string, string[]>;
  class_paths: Record<string, string[]>;
  rules: PolicyRule[];
}

export const EXTERNALITY_FIELDS: readonly ExternalityField[] = [
  'destination_type',
  'destination_visibility',
  'destination_ownership',
  'tenant_provenance',
  'account_provenance',
  'client_provenance',
  'external_write',
  'sensitive_payload',
  'reversibility',
  'enforceability_class',
];

export function ruleRoute(rule: PolicyRule): Route {
  return rule.route ?? (rule.modality === 'prohibit' ? 'block' : 'allow');
}

export function asList(value: OneOrMany | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}
