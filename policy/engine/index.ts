// The policy engine's public surface: load a policy, compile it, decide.
export { compilePolicy, CompiledPolicy, type CompileOptions } from './compile.js';
export { parsePolicy, loadPolicyFile } from './load.js';
export { settleObligations, type OpenObligation, type ObligationSettlement } from './obligations.js';
export { PolicyError, type PolicyErrorCode } from '../errors.js';
export type { PolicyDocument, PolicyRule, Conditions, Modality } from './document.js';
