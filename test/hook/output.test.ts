// Every answer proofline gives a hook must be one the Codex 0.169.0 binary accepts: checked against the output
// schemas extracted from that binary, for every event and every kind of decision.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

import {
  cannotDecideAnswer,
  hookAnswer,
  type HookAnswer,
  type HookVerdict,
} from '../../ingest/hook/output.js';
import { FIXTURES } from './support.js';

const SCHEMAS = join(FIXTURES, 'hook-schemas');
const ajv = new Ajv({ strict: false });

// `pre-tool-use.command.input.schema.json` -> `PreToolUse`; every event the binary knows has an input schema.
const EVENTS = readdirSync(SCHEMAS)
  .filter((name) => name.endsWith('.command.input.schema.json'))
  .map((name) => name.replace('.command.input.schema.json', ''))
  .map((kebab) => ({
    event: kebab.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase()),
    outputSchema: join(SCHEMAS, `${kebab}.command.output.schema.json`),
  }));

const DECISIONS: Record<string, HookVerdict> = {
  'allow by default': { verdict: 'allow', reason: 'no rule matched; the policy default is allow' },
  'allow by rule': { verdict: 'allow', reason: 'reads are fine', deciding_rule: 'allow-reads' },
  'deny by rule': { verdict: 'deny', reason: 'no recursive deletes', deciding_rule: 'no-rm-rf' },
  'deny by default': { verdict: 'deny', reason: 'no rule matched; the policy default is deny' },
  'deny with a blank reason': { verdict: 'deny', reason: ' ', deciding_rule: 'terse' },
  rewrite: {
    verdict: 'allow',
    reason: 'dry run first',
    deciding_rule: 'dry-run',
    updated_input: { command: 'make -n' },
  },
  warn: {
    verdict: 'allow',
    reason: 'allowed',
    deciding_rule: 'noisy',
    system_message: 'proofline: this writes outside the repo',
  },
};

function answersFor(event: string): Array<[string, HookAnswer]> {
  return [
    ['no decision', hookAnswer(event, undefined)],
    ...Object.entries(DECISIONS).map(
      ([name, decision]) => [name, hookAnswer(event, decision)] as [string, HookAnswer],
    ),
    ['cannot decide', cannotDecideAnswer(event, 'hook stdin is not valid JSON')],
  ];
}

describe('hook answers against the Codex 0.169.0 output schemas', () => {
  it('covers every event the binary has a schema for', () => {
    expect(EVENTS.map((e) => e.event).sort()).toEqual(
      [
        'Interrupt',
        'PermissionRequest',
        'PostCompact',
        'PostToolUse',
        'PreCompact',
        'PreToolUse',
        'SessionEnd',
        'SessionStart',
        'Stop',
        'SubagentStart',
        'SubagentStop',
        'UserPromptSubmit',
      ].sort(),
    );
  });

  for (const { event, outputSchema } of EVENTS) {
    it(`${event}: every answer is empty or valid output, always exit 0`, () => {
      const validate = existsSync(outputSchema)
        ? ajv.compile(JSON.parse(readFileSync(outputSchema, 'utf8')))
        : undefined;
      for (const [name, answer] of answersFor(event)) {
        expect(answer.exitCode, name).toBe(0);
        if (answer.stdout === '') continue;
        // An event without an output schema (SessionEnd) must never get JSON.
        expect(validate, `${event} has no output schema but got stdout for "${name}"`).toBeDefined();
        const ok = validate!(JSON.parse(answer.stdout));
        expect(ok, `${name}: ${ajv.errorsText(validate!.errors)}`).toBe(true);
      }
    });
  }
});

describe('what each decision tells Codex', () => {
  const parsed = (answer: HookAnswer) => JSON.parse(answer.stdout) as Record<string, Record<string, unknown>>;

  it('PreToolUse allow says nothing; deny names the rule; a rewrite allows with updatedInput', () => {
    expect(hookAnswer('PreToolUse', DECISIONS['allow by rule'])).toEqual({ stdout: '', exitCode: 0 });
    const deny = parsed(hookAnswer('PreToolUse', DECISIONS['deny by rule']));
    expect(deny.hookSpecificOutput).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: 'no recursive deletes (proofline rule no-rm-rf)',
    });
    expect(
      parsed(hookAnswer('PreToolUse', DECISIONS['deny with a blank reason'])).hookSpecificOutput
        ?.permissionDecisionReason,
    ).toMatch(/\S/);
    const rewrite = parsed(hookAnswer('PreToolUse', DECISIONS.rewrite));
    expect(rewrite.hookSpecificOutput).toMatchObject({
      permissionDecision: 'allow',
      updatedInput: { command: 'make -n' },
    });
  });

  it('warn allows with a systemMessage', () => {
    expect(JSON.parse(hookAnswer('PreToolUse', DECISIONS.warn).stdout)).toEqual({
      systemMessage: 'proofline: this writes outside the repo',
    });
  });

  it('PermissionRequest: a rule decides the behavior; the bare default leaves approval to the runtime', () => {
    expect(
      parsed(hookAnswer('PermissionRequest', DECISIONS['deny by rule'])).hookSpecificOutput?.decision,
    ).toEqual({
      behavior: 'deny',
      message: 'no recursive deletes (proofline rule no-rm-rf)',
    });
    expect(
      parsed(hookAnswer('PermissionRequest', DECISIONS['allow by rule'])).hookSpecificOutput?.decision,
    ).toEqual({ behavior: 'allow' });
    expect(
      parsed(hookAnswer('PermissionRequest', DECISIONS['deny by default'])).hookSpecificOutput?.decision,
    ).toMatchObject({ behavior: 'deny' });
    expect(hookAnswer('PermissionRequest', DECISIONS['allow by default']).stdout).toBe('');
  });

  it('cannot decide: tool events are denied naming the problem; others never block', () => {
    const closed = cannotDecideAnswer('PreToolUse', 'hook stdin is not valid JSON');
    expect(parsed(closed).hookSpecificOutput).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: 'hook stdin is not valid JSON; denied because proofline fails closed',
    });
    expect(
      parsed(cannotDecideAnswer('PermissionRequest', 'down')).hookSpecificOutput?.decision,
    ).toMatchObject({ behavior: 'deny' });
    expect(cannotDecideAnswer('SessionStart', 'down')).toEqual({ stdout: '', exitCode: 0 });
  });
});
