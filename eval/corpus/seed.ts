// A seed: one runtime-independent scenario of test/corpus/seeds/*.yaml, the tool calls an agent makes and what
// the policy should do with each (test/corpus/README.md). Parsed strictly: a typo in a seed would otherwise
// silently become a different scenario.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { CHECKPOINTS, type Checkpoint } from '../../schemas/bundle.js';
import { ROUTES, type Route } from '../../schemas/guard.js';
import type { ApprovalAnswer, GoldObligation, ObligationStatus, Tamper, TamperHow } from './trace.js';
import { ProoflineError } from '../../schemas/errors.js';

export const COVERS = [
  'benign',
  'exfiltration',
  'push_owned',
  'push_unowned',
  'destructive',
  'publish',
  'approval_granted',
  'approval_denied',
  'approval_expired',
  'obligation_met',
  'obligation_violated',
  'obligation_waived',
  'receipts_lost',
  'tampered',
  'inline_code',
  'unknown_program',
  'side_channel',
  'forge_cli',
  'secret_search',
  'secret_store',
  'secret_carried',
  'secret_literal',
  'per_command_rules',
  'egress_channel',
  'indirect_execution',
  'persistence',
  'obfuscation',
  'benign_lookalike',
] as const;
export type Cover = (typeof COVERS)[number];

export interface McpCall {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

/** One tool call: a shell command or an MCP tool. */
export type SeedTool = { tool: 'shell'; command: string } | { tool: 'mcp'; mcp: McpCall };

export type SeedStep = SeedTool & {
  id: string;
  /** What a runtime runs instead when the guard rewrites the call to its dry-run form (simulate_first). */
  dry_run?: string;
  output: string;
  success: boolean;
  depends_on: string[];
  /** Runtime minutes after the session's start. */
  at_min: number;
  approval?: { answer: ApprovalAnswer; approver: string };
  /** Receipts whose telemetry the runtime loses. */
  lose: Checkpoint[];
  gold: { route: Route; severe: boolean };
};

export interface Seed {
  id: string;
  description: string;
  covers: Cover[];
  steps: SeedStep[];
  tamper?: Tamper;
  obligations: GoldObligation[];
}

export class SeedError extends ProoflineError<'SEED_INVALID'> {
  constructor(file: string, problem: string) {
    super('SEED_INVALID', `${file}: ${problem}`);
  }
}

const APPROVAL_ANSWERS: readonly ApprovalAnswer[] = ['approved', 'denied', 'expire'];
const TAMPER_HOWS: readonly TamperHow[] = ['rewrite_summary', 'foreign_key'];
const OBLIGATION_STATUSES: readonly ObligationStatus[] = ['discharged', 'violated', 'waived'];
const ID = /^[a-z0-9][a-z0-9-]*$/;
const STEP_KEYS = [
  'id',
  'tool',
  'command',
  'mcp',
  'dry_run',
  'output',
  'success',
  'depends_on',
  'at_min',
  'approval',
  'lose',
  'gold',
];

/** Every seed of `dir`, in file-name order (the order that fixes each seed's runtime hour). */
export function loadSeeds(dir: string): Seed[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => parseSeed(readFileSync(join(dir, name), 'utf8'), name));
}

export function parseSeed(text: string, file: string): Seed {
  const fail = (problem: string): never => {
    throw new SeedError(file, problem);
  };
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const doc = record(parsed, 'the seed', fail);
  allowKeys(doc, ['id', 'description', 'covers', 'steps', 'tamper', 'obligations'], 'the seed', fail);
  const id = string(doc.id, 'id', fail);
  if (!ID.test(id) || `${id}.yaml` !== basename(file)) fail(`id "${id}" must be the file name without .yaml`);
  const covers = list(doc.covers, 'covers', fail).map((c) => oneOf(c, COVERS, 'covers[]', fail));
  if (covers.length === 0) fail('covers is empty');

  const steps: SeedStep[] = [];
  list(doc.steps, 'steps', fail).forEach((value, index) => steps.push(parseStep(value, index, steps, fail)));
  if (steps.length === 0) fail('steps is empty');
  const stepIds = new Set(steps.map((step) => step.id));
  const knownStep = (stepId: string, where: string): string =>
    stepIds.has(stepId) ? stepId : fail(`${where} names unknown step "${stepId}"`);

  let tamper: Tamper | undefined;
  if (doc.tamper !== undefined) {
    const t = record(doc.tamper, 'tamper', fail);
    allowKeys(t, ['step', 'how'], 'tamper', fail);
    tamper = {
      step: knownStep(string(t.step, 'tamper.step', fail), 'tamper.step'),
      how: oneOf(t.how, TAMPER_HOWS, 'tamper.how', fail),
    };
  }
  const obligations = (doc.obligations === undefined ? [] : list(doc.obligations, 'obligations', fail)).map(
    (value): GoldObligation => {
      const o = record(value, 'obligations[]', fail);
      allowKeys(o, ['created_by', 'rule', 'status'], 'obligations[]', fail);
      return {
        created_by: knownStep(string(o.created_by, 'obligations[].created_by', fail), 'obligations[]'),
        rule: string(o.rule, 'obligations[].rule', fail),
        status: oneOf(o.status, OBLIGATION_STATUSES, 'obligations[].status', fail),
      };
    },
  );
  return {
    id,
    description: string(doc.description, 'description', fail),
    covers,
    steps,
    ...(tamper ? { tamper } : {}),
    obligations,
  };
}

type Fail = (problem: string) => never;

function parseStep(value: unknown, index: number, earlier: readonly SeedStep[], fail: Fail): SeedStep {
  const where = `steps[${index}]`;
  const s = record(value, where, fail);
  allowKeys(s, STEP_KEYS, where, fail);
  const id = string(s.id, `${where}.id`, fail);
  if (!ID.test(id) || earlier.some((step) => step.id === id))
    fail(`${where}.id "${id}" is invalid or repeated`);
  const tool = oneOf(s.tool, ['shell', 'mcp'] as const, `${where}.tool`, fail);
  const call: SeedTool =
    tool === 'shell'
      ? { tool, command: string(s.command, `${where}.command`, fail) }
      : { tool, mcp: parseMcp(s.mcp, `${where}.mcp`, fail) };
  if ((tool === 'shell') !== (s.mcp === undefined) || (tool === 'mcp') !== (s.command === undefined))
    fail(`${where}: a shell step has a command, an mcp step an mcp call, never both`);

  const dependsOn = (s.depends_on === undefined ? [] : list(s.depends_on, `${where}.depends_on`, fail)).map(
    (d) => {
      const ref = string(d, `${where}.depends_on[]`, fail);
      return earlier.some((step) => step.id === ref)
        ? ref
        : fail(`${where} depends on "${ref}", no earlier step`);
    },
  );
  const atMin = s.at_min === undefined ? index : s.at_min;
  const previous = earlier[earlier.length - 1];
  if (typeof atMin !== 'number' || !Number.isInteger(atMin) || atMin < 0)
    fail(`${where}.at_min must be a whole number of minutes`);
  // A call and its approval wait fit within its minute: the next call starts strictly later.
  if (previous && (atMin as number) <= previous.at_min)
    fail(`${where}.at_min must come after the previous step's`);

  const gold = record(s.gold, `${where}.gold`, fail);
  allowKeys(gold, ['route', 'severe'], `${where}.gold`, fail);
  if (s.dry_run !== undefined && (tool !== 'shell' || gold.route !== 'simulate_first'))
    fail(`${where}.dry_run belongs to a shell step whose gold route is simulate_first`);
  return {
    ...call,
    id,
    ...(s.dry_run === undefined ? {} : { dry_run: string(s.dry_run, `${where}.dry_run`, fail) }),
    output: s.output === undefined ? '' : string(s.output, `${where}.output`, fail, true),
    success: s.success === undefined ? true : bool(s.success, `${where}.success`, fail),
    depends_on: dependsOn,
    at_min: atMin as number,
    ...(s.approval === undefined ? {} : { approval: parseApproval(s.approval, `${where}.approval`, fail) }),
    lose: (s.lose === undefined ? [] : list(s.lose, `${where}.lose`, fail)).map((c) =>
      oneOf(c, CHECKPOINTS, `${where}.lose[]`, fail),
    ),
    gold: {
      route: oneOf(gold.route, ROUTES, `${where}.gold.route`, fail),
      severe: bool(gold.severe, `${where}.gold.severe`, fail),
    },
  };
}

function parseMcp(value: unknown, where: string, fail: Fail): McpCall {
  const m = record(value, where, fail);
  allowKeys(m, ['server', 'tool', 'arguments'], where, fail);
  return {
    server: string(m.server, `${where}.server`, fail),
    tool: string(m.tool, `${where}.tool`, fail),
    arguments: record(m.arguments ?? {}, `${where}.arguments`, fail),
  };
}

function parseApproval(value: unknown, where: string, fail: Fail): NonNullable<SeedStep['approval']> {
  const a = record(value, where, fail);
  allowKeys(a, ['answer', 'approver'], where, fail);
  return {
    answer: oneOf(a.answer, APPROVAL_ANSWERS, `${where}.answer`, fail),
    approver: string(a.approver, `${where}.approver`, fail),
  };
}

function record(value: unknown, where: string, fail: Fail): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : fail(`${where} must be a mapping`);
}

function list(value: unknown, where: string, fail: Fail): unknown[] {
  return Array.isArray(value) ? value : fail(`${where} must be a list`);
}

function string(value: unknown, where: string, fail: Fail, emptyOk = false): string {
  return typeof value === 'string' && (emptyOk || value !== '') ? value : fail(`${where} must be a string`);
}

function bool(value: unknown, where: string, fail: Fail): boolean {
  return typeof value === 'boolean' ? value : fail(`${where} must be true or false`);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string, fail: Fail): T {
  return allowed.includes(value as T) ? (value as T) : fail(`${where} must be one of ${allowed.join(', ')}`);
}

function allowKeys(value: Record<string, unknown>, keys: readonly string[], where: string, fail: Fail): void {
  const unknown = Object.keys(value).filter((key) => !keys.includes(key));
  if (unknown.length > 0) fail(`${where} has unknown keys: ${unknown.join(', ')}`);
}
