// Policy-engine text → a validated PolicyDocument (policy/source.ts reads the file and places every error).
import { SELF_PROTECTION_RULES } from '../../schemas/decision.js';
import { PolicySource, policySchemaValidator, type YamlPath } from '../source.js';
import { ClassHierarchy, ClassCycleError } from './classes.js';
import type { PolicyDocument } from './document.js';

const validatePolicy = policySchemaValidator<PolicyDocument>('policy.schema.json');

export function loadPolicyFile(path: string): PolicyDocument {
  return parsePolicy(PolicySource.read(path));
}

/** Parses and validates a policy; `name` names the file in error messages when given text. */
export function parsePolicy(input: PolicySource | string, name = 'policy'): PolicyDocument {
  const source: PolicySource = typeof input === 'string' ? PolicySource.parse(input, name) : input;
  const value = source.value;
  source.validate(validatePolicy, value, 'policy');
  checkSemantics(value, source);
  return value;
}

function checkSemantics(policy: PolicyDocument, source: PolicySource): void {
  const fail = (code: 'POLICY_INVALID', problem: string, path: YamlPath): never =>
    source.fail(code, problem, path);
  try {
    ClassHierarchy.of(policy.classes);
  } catch (error) {
    if (error instanceof ClassCycleError) fail('POLICY_INVALID', error.message, ['classes', error.className]);
    throw error;
  }
  const ids = new Map<string, number>();
  policy.rules.forEach((rule, index) => {
    // Decisions name rules by id, so an id must name exactly one rule.
    if (ids.has(rule.id)) fail('POLICY_INVALID', `duplicate rule id "${rule.id}"`, ['rules', index, 'id']);
    ids.set(rule.id, index);
    for (const [key, conditions] of [
      ['when', rule.when],
      ['after', rule.after],
    ] as const) {
      const regex = conditions?.command?.regex;
      if (regex === undefined) continue;
      try {
        new RegExp(regex);
      } catch (error) {
        fail('POLICY_INVALID', `invalid regex: ${(error as Error).message}`, [
          'rules',
          index,
          key,
          'command',
          'regex',
        ]);
      }
    }
  });
  policy.rules.forEach((rule, index) => {
    (rule.waives ?? []).forEach((waived, at) => {
      const target = policy.rules[ids.get(waived) ?? -1];
      // proofline's built-in self-protection rules are not in the policy; a dispensation may still name them.
      if (target === undefined && (Object.values(SELF_PROTECTION_RULES) as string[]).includes(waived)) return;
      if (target === undefined)
        fail('POLICY_INVALID', `waives unknown rule "${waived}"`, ['rules', index, 'waives', at]);
      else if (target.modality !== 'prohibit' && target.modality !== 'obligation') {
        fail(
          'POLICY_INVALID',
          `a dispensation waives obligations or prohibitions; "${waived}" is a ${target.modality}`,
          ['rules', index, 'waives', at],
        );
      }
    });
  });
}
