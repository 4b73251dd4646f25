// Policy problems name where they are: a policy that fails to load must say which line to fix.
export type PolicyErrorCode = 'POLICY_YAML_SYNTAX' | 'POLICY_SCHEMA' | 'POLICY_INVALID';

export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    readonly source: string,
    readonly problem: string,
    /** 1-based, when the problem can be pinned to a place in the file. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${source}${line === undefined ? '' : `:${line}:${column ?? 1}`}: ${problem}`);
    this.name = 'PolicyError';
  }
}
