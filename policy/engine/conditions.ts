// A rule's `when` compiled once into a test over one simple command of the classified action (or the single
// non-shell tool call): a rule is about the command it matches, so an exemption for `rm -rf dist` does not
// reach the `curl` beside it. Every test answers true, false or unknown; unknown comes only from what the
// classifier or the session could not tell, and the engine lets it raise a route, never lower it (compile.ts).
import type { ExternalityField, GuardRequest, SessionContext } from '../../schemas/guard.js';
import type { ActionFacts, CommandFacts } from '../externality/classify.js';
import { GlobSet } from '../externality/glob.js';
import type { ClassHierarchy } from './classes.js';
import { asList, EXTERNALITY_FIELDS, type Conditions } from './document.js';

export enum Truth {
  False = 0,
  True = 1,
  Unknown = 2,
}

export function and(a: Truth, b: Truth): Truth {
  if (a === Truth.False || b === Truth.False) return Truth.False;
  return a === Truth.Unknown || b === Truth.Unknown ? Truth.Unknown : Truth.True;
}

export function or(a: Truth, b: Truth): Truth {
  if (a === Truth.True || b === Truth.True) return Truth.True;
  return a === Truth.Unknown || b === Truth.Unknown ? Truth.Unknown : Truth.False;
}

function not(a: Truth): Truth {
  return a === Truth.Unknown ? a : a === Truth.True ? Truth.False : Truth.True;
}

export interface DecisionInput {
  request: GuardRequest;
  facts: ActionFacts;
  commandLine: string | undefined;
  /** The simple command judged; undefined when the line did not parse (every command fact is unknown). */
  command: CommandFacts | undefined;
}

/** More conditions win; among equal counts, more conditions written as literals (no glob, no regex) win. */
export interface Specificity {
  conditions: number;
  literals: number;
}

export interface CompiledConditions {
  test(input: DecisionInput): Truth;
  specificity: Specificity;
  /** Programs or tool names the conditions require, so the rule index can skip it for others. */
  programs: string[] | undefined;
  tools: string[] | undefined;
}

type Test = (input: DecisionInput) => Truth;
type CommandTest = (command: CommandFacts) => Truth;

const truth = (value: boolean): Truth => (value ? Truth.True : Truth.False);

export function compileConditions(
  conditions: Conditions | undefined,
  classes: ClassHierarchy,
): CompiledConditions {
  const tests: Test[] = [];
  // A fact of the simple command: unknown when the line did not parse.
  const onCommand =
    (test: CommandTest): Test =>
    ({ command }) =>
      command === undefined ? Truth.Unknown : test(command);
  const specificity: Specificity = { conditions: 0, literals: 0 };
  const count = (literal: boolean): void => {
    specificity.conditions += 1;
    if (literal) specificity.literals += 1;
  };
  const when = conditions ?? {};

  const tools = globsOf(when.tool, 'text');
  if (tools) {
    count(tools.isLiteral);
    tests.push(({ request }) => truth(tools.matches(request.tool_name)));
  }

  const command = when.command ?? {};
  // The glob and the regex see the simple command (its words, quotes removed, wrappers peeled), not the line.
  const textTest = (matches: (text: string) => boolean): Test => {
    const ofCommand = onCommand((facts) => truth(matches(facts.text)));
    return (input) => (input.commandLine === undefined ? Truth.False : ofCommand(input));
  };
  const lineGlobs = globsOf(command.glob, 'text');
  if (lineGlobs) {
    count(lineGlobs.isLiteral);
    tests.push(textTest((text) => lineGlobs.matches(text)));
  }
  if (command.regex !== undefined) {
    const regex = new RegExp(command.regex);
    count(false);
    tests.push(textTest((text) => regex.test(text)));
  }
  const programs = globsOf(command.program, 'text');
  if (programs) {
    count(programs.isLiteral);
    tests.push(onCommand(({ program }) => truth(programs.matches(program))));
  }
  const subcommands = globsOf(command.subcommand, 'text');
  if (subcommands) {
    count(subcommands.isLiteral);
    tests.push(onCommand(({ subcommand }) => truth(subcommands.matches(subcommand))));
  }
  if (command.flags) {
    const wanted = command.flags;
    count(true);
    tests.push(
      onCommand(({ flags }) => truth(wanted.every((flag) => flags.some((word) => flagMatches(flag, word))))),
    );
  }

  for (const [key, facts] of [
    ['read', 'reads'],
    ['write', 'writes'],
  ] as const) {
    const globs = globsOf(when.paths?.[key], 'path');
    if (!globs) continue;
    count(globs.isLiteral);
    tests.push(onCommand((command) => truth(command[facts].some((path) => globs.matches(path)))));
  }

  const servers = globsOf(when.mcp_server, 'text');
  if (servers) {
    count(servers.isLiteral);
    tests.push(({ facts }) => truth(facts.mcp_server !== undefined && servers.matches(facts.mcp_server)));
  }

  if (when.labels) {
    const labels = when.labels;
    count(true);
    tests.push(onCommand((command) => truth(labels.some((label) => command.labels.includes(label)))));
  }
  if (when.data_classes) {
    const wanted = when.data_classes;
    count(true);
    tests.push(
      onCommand((command) =>
        truth(
          wanted.some((ruleClass) =>
            command.data_classes.some((dataClass) => classes.covers(ruleClass, dataClass)),
          ),
        ),
      ),
    );
  }
  if (when.ancestry) {
    const { all, any, none } = when.ancestry;
    specificity.conditions += [all, any, none].filter(Boolean).length;
    specificity.literals += [all, any, none].filter(Boolean).length;
    tests.push(({ request, command }) => {
      // The session's slice, and what the line itself read before (or while) this command runs. Without the
      // session's slice, or on a line that did not parse, what is not known to be held may be.
      const contexts = [request.session, command?.line_ancestry].filter(
        (c): c is SessionContext => c !== undefined,
      );
      const complete = request.session !== undefined && command !== undefined;
      const holds = (name: string): Truth =>
        contexts.some(
          (context) =>
            context.labels.includes(name) ||
            context.data_classes.some((dataClass) => classes.covers(name, dataClass)),
        )
          ? Truth.True
          : complete
            ? Truth.False
            : Truth.Unknown;
      let result = Truth.True;
      for (const name of all ?? []) result = and(result, holds(name));
      if (any !== undefined) result = and(result, any.map(holds).reduce(or, Truth.False));
      for (const name of none ?? []) result = and(result, not(holds(name)));
      return result;
    });
  }

  for (const field of EXTERNALITY_FIELDS) {
    const allowed = when[field] as string[] | undefined;
    if (allowed === undefined) continue;
    count(true);
    tests.push(onCommand(fieldTest(field, allowed)));
  }

  return {
    test: (input) => {
      let result = Truth.True;
      for (const test of tests) {
        result = and(result, test(input));
        if (result === Truth.False) return result;
      }
      return result;
    },
    specificity,
    programs: programs?.isLiteral ? [...programs.patterns] : undefined,
    tools: tools?.isLiteral ? [...tools.patterns] : undefined,
  };
}

/** Listing `unknown` makes it an ordinary value that matches; otherwise an unknown field is unknown. */
function fieldTest(field: ExternalityField, allowed: string[]): CommandTest {
  const values = new Set(allowed);
  return ({ context }) => {
    const value = context[field];
    if (values.has(value)) return Truth.True;
    return value === 'unknown' ? Truth.Unknown : Truth.False;
  };
}

/** `--force` matches `--force` and `--force=x`; `-f` also matches inside a bundle of short flags (`-rf`). */
function flagMatches(flag: string, word: string): boolean {
  if (word === flag || word.startsWith(`${flag}=`)) return true;
  return /^-[A-Za-z]$/.test(flag) && /^-[A-Za-z]{2,}$/.test(word) && word.includes(flag[1] as string);
}

function globsOf(value: string | string[] | undefined, mode: 'text' | 'path'): GlobSet | undefined {
  const patterns = asList(value);
  return patterns.length === 0 ? undefined : new GlobSet(patterns, mode);
}
