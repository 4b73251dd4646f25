// The YAML rule-file guard: validation errors that name the line, matching, deny-overrides, digests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadGuard } from '../../policy/load.js';
import { PolicyError } from '../../policy/errors.js';
import { ALLOW_ALL, parseRuleFile, RuleFileGuard } from '../../policy/rule-file.js';
import { canonicalDigest } from '../../schemas/digest.js';
import type { GuardRequest } from '../../schemas/guard.js';

const bash = (command: string, cwd = '/home/dev/repo'): GuardRequest => ({
  runtime_family: 'tool_hook',
  session_id: 's',
  tool_name: 'Bash',
  tool_input: { command },
  command,
  cwd,
});

const POLICY = `# team policy
version: 1
default: allow
rules:
  - id: allow-bash
    tool: Bash
    decision: allow
  - id: no-rm-rf
    command: /\\brm\\s+-[a-z]*r[a-z]*f/
    decision: deny
    reason: no recursive force deletes
  - id: no-prod
    cwd: /srv/prod/*
    decision: deny
  - id: curl-any
    command: "curl *"
    decision: allow
`;

function errorOf(text: string): PolicyError {
  try {
    parseRuleFile(text, 'rules.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('rule file validation', () => {
  it.each([
    [
      'a bad decision',
      'version: 1\nrules:\n  - id: a\n    decision: allow\n  - id: b\n    decision: maybe\n',
      6,
      /rules\.1\.decision: must be one of allow, deny/,
    ],
    [
      'an unknown field',
      'version: 1\nrules:\n  - id: a\n    decision: deny\n    comand: rm\n',
      5,
      /unknown key "comand"/,
    ],
    [
      'a missing id',
      'version: 1\nrules:\n  - id: a\n    decision: deny\n  - tool: Bash\n    decision: allow\n',
      5,
      /missing "id"/,
    ],
    [
      'a duplicate id',
      'version: 1\nrules:\n  - id: a\n    decision: deny\n  - id: a\n    decision: allow\n',
      5,
      /duplicate rule id "a"/,
    ],
    [
      'a broken regex',
      'version: 1\nrules:\n  - id: a\n    decision: deny\n    command: "/(unclosed/"\n',
      5,
      /rule "a": command: Invalid regular expression/,
    ],
    [
      'a stateful regex flag',
      'version: 1\nrules:\n  - id: a\n    decision: deny\n    tool: /x/g\n',
      5,
      /flags g and y/,
    ],
    ['a YAML syntax error', 'version: 1\nrules:\n  - id: a\n    decision: [deny\n', 5, /./],
    ['a wrong version', '\n\nversion: 2\n', 3, /version: must be 1/],
  ])('names the line of %s', (_name, text, line, message) => {
    const error = errorOf(text);
    expect(error.code).toMatch(/^POLICY_(YAML_SYNTAX|SCHEMA|INVALID)$/);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^rules\\.yaml:${line}:\\d+: `));
    expect(error.message).toMatch(message);
  });

  it('an empty or comment-only file, or no file at all, is the allow-all policy with its own digest', () => {
    expect(parseRuleFile('', 'empty.yaml')).toEqual(ALLOW_ALL);
    expect(parseRuleFile('# nothing yet\n', 'empty.yaml')).toEqual(ALLOW_ALL);
    const guard = loadGuard();
    expect(guard.policyDigest).toBe(canonicalDigest({ version: 1, default: 'allow', rules: [] }));
    expect(guard.decide(bash('rm -rf /'))).toMatchObject({
      verdict: 'allow',
      route: 'allow',
      matched_rules: [],
    });
  });

  it('loadGuard reads a file and refuses a path it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), POLICY);
    expect(loadGuard(join(dir, 'rules.yaml')).decide(bash('rm -rf build')).deciding_rule).toBe('no-rm-rf');
    expect(() => loadGuard(join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: cannot read policy file \(ENOENT\)/,
    );
  });
});

describe('rule file decisions', () => {
  const guard = new RuleFileGuard(parseRuleFile(POLICY, 'rules.yaml'));

  it('a matching deny overrides earlier allows, and every matched rule is recorded', () => {
    expect(guard.decide(bash('cd x && rm -rf build'))).toEqual({
      route: 'block',
      verdict: 'deny',
      reason: 'no recursive force deletes',
      matched_rules: ['allow-bash', 'no-rm-rf'],
      deciding_rule: 'no-rm-rf',
      policy_digest: guard.policyDigest,
    });
  });

  it('the first matching allow decides when nothing denies', () => {
    expect(guard.decide(bash('curl https://example.test'))).toMatchObject({
      route: 'allow',
      verdict: 'allow',
      matched_rules: ['allow-bash', 'curl-any'],
      deciding_rule: 'allow-bash',
    });
  });

  it('globs match the whole value; cwd rules match the cwd', () => {
    expect(guard.decide(bash('ls', '/srv/prod/api')).deciding_rule).toBe('no-prod');
    expect(guard.decide(bash('ls', '/srv/production')).deciding_rule).toBe('allow-bash');
    expect(guard.decide({ ...bash('echo curl x'), tool_name: 'Other' }).matched_rules).toEqual([]);
  });

  it('a condition on a value the request lacks does not match, and the default applies', () => {
    const denyAll = new RuleFileGuard(
      parseRuleFile(
        'version: 1\ndefault: deny\nrules:\n  - id: ls\n    command: "ls *"\n    decision: allow\n',
        'r',
      ),
    );
    const noCommand: GuardRequest = {
      runtime_family: 'tool_hook',
      session_id: 's',
      tool_name: 'apply_patch',
      tool_input: {},
    };
    expect(denyAll.decide(noCommand)).toMatchObject({ verdict: 'deny', route: 'block', matched_rules: [] });
    expect(denyAll.decide(noCommand).deciding_rule).toBeUndefined();
    expect(denyAll.decide(bash('ls -la')).verdict).toBe('allow');
  });

  it('the policy digest is the canonical JSON of the policy as applied', () => {
    const sameWithDefaults = new RuleFileGuard(
      parseRuleFile('version: 1\nrules:\n  - {decision: allow, id: a}\n', 'r'),
    );
    const sameExplicit = new RuleFileGuard(
      parseRuleFile('version: 1\ndefault: allow\nrules:\n  - id: a\n    decision: allow\n', 'r'),
    );
    expect(sameWithDefaults.policyDigest).toBe(sameExplicit.policyDigest);
    expect(sameWithDefaults.policyDigest).not.toBe(new RuleFileGuard().policyDigest);
  });
});

describe('event condition', () => {
  const guard = new RuleFileGuard(
    parseRuleFile(
      'version: 1\nrules:\n  - id: no-escalation\n    event: PermissionRequest\n    decision: deny\n',
      'event.yaml',
    ),
  );
  const request = {
    runtime_family: 'tool_hook',
    session_id: 's',
    tool_name: 'Bash',
    tool_input: {},
    command: 'ls',
  } as const;

  it('matches only the named hook event', () => {
    expect(guard.decide({ ...request, event: 'PermissionRequest' })).toMatchObject({
      verdict: 'deny',
      deciding_rule: 'no-escalation',
    });
    expect(guard.decide({ ...request, event: 'PreToolUse' }).verdict).toBe('allow');
    expect(guard.decide(request).verdict).toBe('allow');
  });
});
