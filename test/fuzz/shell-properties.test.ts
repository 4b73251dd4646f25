// Property-based fuzzing of the two readers of agent-written shell text, the guard's (tree-sitter-bash, through
// the example policy) and self-protection's: command lines built from shell syntax, every kind of blank a
// string can hold (form feed, vertical tab, NEL, no-break and other Unicode spaces) and stray halves of quotes,
// substitutions and here-documents. Each must come back with an answer, never hang or exhaust memory: the
// agent writes this text, and one command that stalls the server would switch the guard off for everyone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { compilePolicy } from '../../policy/engine/compile.js';
import { loadPolicyFile } from '../../policy/engine/load.js';
import { SelfProtection } from '../../policy/self-protection.js';
import { parseShell } from '../../policy/self-protection/shell-words.js';
import { ROUTES } from '../../schemas/guard.js';
import { bash, gitRemoteUrl } from '../policy/fixtures.js';
import { SEED } from './arbitraries.js';

const RUNS = 3_000;
const BLANKS = [
  ' ',
  '\t',
  '\r',
  '\n',
  '\f',
  '\v',
  '\u0085',
  '\u00a0',
  '\u1680',
  '\u2007',
  '\u2028',
  '\u3000',
  '\uFEFF',
];
const SYNTAX = [
  ';',
  '&',
  '&&',
  '|',
  '||',
  '(',
  ')',
  '{',
  '}',
  '<',
  '>',
  '>>',
  '<<',
  '<<-',
  '<<<',
  '<(',
  '>(',
  '&>',
  '2>&1',
  '$(',
  '`',
  '${',
  '$((',
  "'",
  '"',
  '\\',
  "$'",
  '#',
  '=',
  '~',
  '*',
  '?',
  '[',
  ']',
];
const WORDS = [
  'proofline',
  'approve',
  'curl',
  'cat',
  '.env',
  '~/.ssh/id_rsa',
  'http://127.0.0.1:4318/v1/approvals',
  'sh',
  '-c',
  'eval',
  'EOF',
  'python3',
  'rm',
  '-rf',
  'X=1',
  '$HOME',
  'echo',
  'ok',
  'git',
  'push',
  '\u0000',
];
const commandLine = fc
  .array(
    fc.oneof(
      fc.constantFrom(...BLANKS),
      fc.constantFrom(...SYNTAX),
      fc.constantFrom(...WORDS),
      fc.string({ maxLength: 4 }),
    ),
    {
      maxLength: 40,
    },
  )
  .map((tokens) => tokens.join(''));

const guard = compilePolicy(
  loadPolicyFile(new URL('../../deploy/policy/example-policy.yaml', import.meta.url).pathname),
  { gitRemoteUrl },
);
const protection = new SelfProtection({
  paths: [{ path: '/srv/proofline', dir: true, what: 'the data directory' }],
  server: () => ({ host: '127.0.0.1', port: 4318 }),
  process: { pids: [31337], names: ['proofline'], commandLine: 'proofline serve' },
  home: '/nonexistent-server-home',
});

describe('shell text from the agent', () => {
  it('a blank bash does not split on (form feed, vertical tab, Unicode spaces) ends no word early', () => {
    for (const blank of ['\f', '\v', '\u00a0', '\u2028', '\u3000']) {
      const [command] = parseShell(`proofline${blank}approve x`);
      expect(command?.words.map((w) => w.raw)).toEqual([`proofline${blank}approve`, 'x']);
    }
  });

  it(`${RUNS} generated command lines: self-protection and the guard both answer`, () => {
    fc.assert(
      fc.property(commandLine, (line) => {
        for (const command of parseShell(line)) expect(command.words.every((w) => w.raw !== '')).toBe(true);
        expect(Array.isArray(protection.inspect(bash(line)))).toBe(true);
        expect(ROUTES).toContain(guard.decide(bash(line)).route);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);
});
