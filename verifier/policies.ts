// The policies the operator says were in force (`proofline verify --policy FILE`, repeatable), compiled by the
// same loader the receiver uses, keyed by the digest bundles pin. A file that does not load is a usage error:
// replaying under a policy the verifier could not read would prove nothing.
import { PolicyError } from '../policy/errors.js';
import type { PolicyInForce } from './checks/route-rederive.js';
import { VerifierError } from './errors.js';

export async function loadPoliciesInForce(files: readonly string[]): Promise<Map<string, PolicyInForce>> {
  const policies = new Map<string, PolicyInForce>();
  if (files.length === 0) return policies;
  // The policy loader compiles its schemas as it is imported: a run that replays no policy does not pay it.
  const { loadGuard } = await import('../policy/load.js');
  for (const file of files) {
    let guard;
    try {
      guard = loadGuard(file);
    } catch (error) {
      if (error instanceof PolicyError)
        throw new VerifierError('POLICY_INVALID', `--policy ${error.message}`, { cause: error });
      throw error;
    }
    // Two files with one digest are the same policy; the first named stands for both.
    if (!policies.has(guard.policyDigest)) policies.set(guard.policyDigest, { file, guard });
  }
  return policies;
}
