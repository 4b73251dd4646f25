// loadGuard reads both policy languages behind the one Guard interface, and errors name the file and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CompiledPolicy, PolicyError } from '../../policy/engine/index.js';
import { loadGuard } from '../../policy/load.js';
import { RuleFileGuard } from '../../policy/rule-file.js';
import { EXAMPLE_POLICY } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'proofline-load-guard-'));
function policyFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function loadError(path: string): Error {
  try {
    loadGuard(path);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${path} loaded without error`);
}

describe('loadGuard', () => {
  it('compiles a policy in the engine language with the policy engine', () => {
    const guard = loadGuard(EXAMPLE_POLICY);
    expect(guard).toBeInstanceOf(CompiledPolicy);
    const modalityOnly = loadGuard(
      policyFile(
        'modality.yaml',
        'version: 1\nrules:\n  - { id: p, modality: prohibit, when: { tool: Bash } }\n',
      ),
    );
    expect(modalityOnly).toBeInstanceOf(CompiledPolicy);
    expect(
      loadGuard(policyFile('owned.yaml', 'version: 1\nowned: { git_orgs: [acme] }\nrules: []\n')),
    ).toBeInstanceOf(CompiledPolicy);
  });

  it('keeps reading simple rule files (rules with a decision), and no file at all', () => {
    const guard = loadGuard(
      policyFile('rules.yaml', 'version: 1\nrules:\n  - { id: no-rm, command: "rm *", decision: deny }\n'),
    );
    expect(guard).toBeInstanceOf(RuleFileGuard);
    expect(
      guard.decide({
        runtime_family: 'tool_hook',
        session_id: 's',
        tool_name: 'Bash',
        tool_input: {},
        command: 'rm x',
      }),
    ).toMatchObject({ verdict: 'deny', deciding_rule: 'no-rm' });
    expect(loadGuard(policyFile('empty.yaml', ''))).toBeInstanceOf(RuleFileGuard);
    expect(loadGuard()).toBeInstanceOf(RuleFileGuard);
  });

  it('an engine policy error names file, line and column', () => {
    const path = policyFile(
      'bad-engine.yaml',
      'version: 1\ndefault_route: allow\nrules:\n  - id: a\n    modality: forbid\n',
    );
    const error = loadError(path);
    expect(error).toBeInstanceOf(PolicyError);
    expect(error).toMatchObject({ code: 'POLICY_SCHEMA', line: 5 });
    expect(error.message).toMatch(new RegExp(`^${path}:5:\\d+: `));
  });

  it('a rule mixing both languages is read as the engine language and its stray key is named', () => {
    const error = loadError(
      policyFile('mixed.yaml', 'version: 1\nrules:\n  - id: a\n    modality: permit\n    decision: allow\n'),
    );
    expect(error).toMatchObject({ code: 'POLICY_SCHEMA', line: 5 });
    expect((error as PolicyError).problem).toContain('unknown key "decision"');
  });

  it('a rule-file error names file and line; a syntax error names its line', () => {
    const ruleFile = policyFile('bad-rules.yaml', 'version: 1\nrules:\n  - id: a\n    decision: maybe\n');
    expect(loadError(ruleFile)).toBeInstanceOf(PolicyError);
    expect(loadError(ruleFile).message).toBe(
      `${ruleFile}:4:15: rules.0.decision: must be one of allow, deny`,
    );
    const syntax = loadError(
      policyFile('syntax.yaml', 'version: 1\nrules:\n  - id: a\n    modality: [permit\n'),
    );
    expect(syntax).toMatchObject({ code: 'POLICY_YAML_SYNTAX', line: 5 });
  });
});
