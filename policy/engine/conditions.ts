// A rule's `when` compiled once into tests over the classified action. Every test answers true, false or
// unknown; unknown comes only from what the classifier or the session could not tell, and the engine lets it
// raise a route, never lower it (evaluate.ts).
import type { ExternalityField, GuardRequest } from '../../schemas/guard.js';
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

export interface DecisionInput {
  request: GuardRequest;
  facts: ActionFacts;
  commandLine: string | undefined;
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

type ActionTest = (input: DecisionInput) => Truth;
type CommandTest = (command: CommandFacts) => Truth;

const truth = (value: boolean): Truth => (value ? Truth.True : Truth.False);

export function compileConditions(
  conditions: Conditions | undefined,
  classes: ClassHierarchy,
): CompiledConditions {
  const actionTests: ActionTest[] = [];
  const commandTests: CommandTest[] = [];
  const specificity: Specificity = { conditions: 0, literals: 0 };
  const count = (literal: boolean): void => {
    specificity.conditions += 1;
    if (literal) specificity.literals += 1;
  };
  const when = conditions ?? {};

  const tools = globsOf(when.tool, 'text');
  if (tools) {
    count(tools.isLiteral);
    actionTests.push(({ request }) => truth(tools.matches(request.tool_name)));
  }

  const command = when.command ?? {};
  const lineGlobs = globsOf(command.glob, 'text');
  if (lineGlobs) {
    count(lineGlobs.isLiteral);
    actionTests.push(({ commandLine }) => truth(commandLine !== undefined && lineGlobs.matches(commandLine)));
  }
  if (command.regex !== undefined) {
    const regex = new RegExp(command.regex);
    count(false);
    actionTests.push(({ commandLine }) => truth(commandLine !== undefined && regex.test(commandLine)));
  }
  const programs = globsOf(command.program, 'text');
  if (programs) {
    count(programs.isLiteral);
    commandTests.push(({ program }) => truth(programs.matches(program)));
  }
  const subcommands = globsOf(command.subcommand, 'text');
  if (subcommands) {
    count(subcommands.isLiteral);
    commandTests.push(({ subcommand }) => truth(subcommands.matches(subcommand)));
  }
  if (command.flags) {
    const wanted = command.flags;
    count(true);
    commandTests.push(({ flags }) =>
      truth(wanted.every((flag) => flags.some((word) => flagMatches(flag, word)))),
    );
  }

  for (const [key, facts] of [
    ['read', 'reads'],
    ['write', 'writes'],
  ] as const) {
    const globs = globsOf(when.paths?.[key], 'path');
    if (!globs) continue;
    count(globs.isLiteral);
    actionTests.push((input) =>
      input.facts.parsed ? truth(input.facts[facts].some((path) => globs.matches(path))) : Truth.Unknown,
    );
  }

  const servers = globsOf(when.mcp_server, 'text');
  if (servers) {
    count(servers.isLiteral);
    actionTests.push(({ facts }) =>
      truth(facts.mcp_server !== undefined && servers.matches(facts.mcp_server)),
    );
  }

  if (when.labels) {
    const labels = when.labels;
    count(true);
    actionTests.push(({ facts }) =>
      facts.parsed ? truth(labels.some((label) => facts.labels.includes(label))) : Truth.Unknown,
    );
  }
  if (when.data_classes) {
    const wanted = when.data_classes;
    count(true);
    actionTests.push(({ facts }) =>
      facts.parsed
        ? truth(
            wanted.some((ruleClass) =>
              facts.data_classes.some((dataClass) => classes.covers(ruleClass, dataClass)),
            ),
          )
        : Truth.Unknown,
    );
  }
  if (when.ancestry) {
    const { all, any, none } = when.ancestry;
    specificity.conditions += [all, any, none].filter(Boolean).length;
    specificity.literals += [all, any, none].filter(Boolean).length;
    actionTests.push(({ request }) => {
      const session = request.session;
      // No graph information about the slice: it may hold anything.
      if (session === undefined) return Truth.Unknown;
      const holds = (name: string): boolean =>
        session.labels.includes(name) ||
        session.data_classes.some((dataClass) => classes.covers(name, dataClass));
      return truth(
        (all ?? []).every(holds) && (any === undefined || any.some(holds)) && !(none ?? []).some(holds),
      );
    });
  }

  for (const field of EXTERNALITY_FIELDS) {
    const allowed = when[field] as string[] | undefined;
    if (allowed === undefined) continue;
    count(true);
    commandTests.push(fieldTest(field, allowed));
  }

  return {
    test: combine(actionTests, commandTests),
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

/**
 * Action tests must all hold; command tests must all hold for one and the same simple command (`curl` to an
 * unowned host, not `curl` somewhere and an unowned host elsewhere). An unparsed command line has no
 * commands to test: its command conditions are unknown.
 */
function combine(actionTests: ActionTest[], commandTests: CommandTest[]): (input: DecisionInput) => Truth {
  return (input) => {
    let result = Truth.True;
    for (const test of actionTests) {
      result = and(result, test(input));
      if (result === Truth.False) return result;
    }
    if (commandTests.length === 0) return result;
    if (!input.facts.parsed) return and(result, Truth.Unknown);
    let best = Truth.False;
    for (const command of input.facts.commands) {
      let commandResult = Truth.True;
      for (const test of commandTests) {
        commandResult = and(commandResult, test(command));
        if (commandResult === Truth.False) break;
      }
      if (commandResult === Truth.True) return result;
      if (commandResult === Truth.Unknown) best = Truth.Unknown;
    }
    return and(result, best);
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
