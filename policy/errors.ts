// Policy problems name where they are: a policy that fails to load must say which file, line and column to fix.
// One error for every policy language (the simple rule file and the policy engine's).
import { ProoflineError } from '../schemas/errors.js';

export type PolicyErrorCode = 'POLICY_UNREADABLE' | 'POLICY_YAML_SYNTAX' | 'POLICY_SCHEMA' | 'POLICY_INVALID';

export class PolicyError extends ProoflineError<PolicyErrorCode> {
  constructor(
    code: PolicyErrorCode,
    readonly source: string,
    readonly problem: string,
    /** 1-based, when the problem can be pinned to a place in the file. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(code, `${source}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${problem}`, {
      exitCode: 2,
    });
  }
}
