// proofline/sdk: guarded, receipted tool calls for agents built on a framework (runtime family
// `framework_sdk`). Conventions: schemas/spans.md.
export { createAction, recordAssumption, updateOutcome } from './action.js';
export type { Action, ActionOutcome, AssumptionFacts, CreateActionOptions } from './action.js';
export { guard, waitForApproval } from './guard.js';
export type { ApprovalOutcome, GuardOptions, GuardResult, WaitOptions } from './guard.js';
export { configureProofline } from './config.js';
export type { ProoflineConfig } from './config.js';
export { startProofline } from './setup.js';
export type { ProoflineTelemetry, StartOptions } from './setup.js';
export { ProoflineError, ProoflineServerError } from './errors.js';
export type { ProoflineErrorCode, ProoflineServerErrorCode } from './errors.js';
export type { GuardDecision, Route } from '../schemas/guard.js';
export type { RuntimeFamily } from '../schemas/observation.js';
