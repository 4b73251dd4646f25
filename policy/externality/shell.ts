// Shell command lines → the simple commands they run, through a real parser (mvdan-sh, the GopherJS build of
// mvdan.cc/sh): pipes, lists, subshells, `$(…)`, backticks, quoting and redirections all come from its AST,
// and commands that run other commands (`sudo`, `env`, `xargs`, `bash -c '…'`) are unwrapped so the
// classifier sees what really runs.
import sh from 'mvdan-sh';

import { unwrapCommand } from './wrappers.js';
import { ProoflineError } from '../../schemas/errors.js';

/** One shell word after quote removal. `literal` is false when any part is only known at run time. */
export interface ShellWord {
  text: string;
  literal: boolean;
  /** Offsets in the text that was parsed; see SimpleCommand.topLevel. */
  start: number;
  end: number;
}

export type RedirectKind = 'read' | 'write' | 'append' | 'readwrite' | 'dup' | 'heredoc' | 'herestring';

export interface ShellRedirect {
  kind: RedirectKind;
  target: ShellWord | undefined;
}

export interface SimpleCommand {
  /** The program and its arguments, with wrappers removed; argv[0] is the program. */
  argv: ShellWord[];
  /** `NAME=value` prefixes, including those given through `env`. */
  assignments: Record<string, ShellWord>;
  redirects: ShellRedirect[];
  /** Wrappers it ran under, outermost first (`sudo`, `xargs`, `bash -c`). */
  wrappers: string[];
  /** The command runs code the parser cannot see: `bash -c "$X"`, `eval "$X"`, `bash script.sh`. */
  opaque: boolean;
  /** `xargs` appends arguments read from stdin: argv is incomplete. */
  openArgv: boolean;
  /** Offsets refer to the original command line (false for commands found inside `bash -c '…'`). */
  topLevel: boolean;
  /** Programs whose output is piped into this command (for `curl … | sh`). */
  pipedFrom: string[];
}

export class ShellParseError extends ProoflineError<'SHELL_UNPARSEABLE'> {
  constructor(readonly detail: string) {
    super('SHELL_UNPARSEABLE', `cannot parse shell command: ${detail}`);
  }
}

const { syntax } = sh;
// One parser, reused: creating a GopherJS parser costs more than most parses.
const parser = syntax.NewParser();
// Nested `bash -c` deeper than this is treated as opaque rather than parsed without bound.
const MAX_SCRIPT_DEPTH = 4;

// mvdan.cc/sh RedirOperator token values, as the GopherJS build reports them.
const REDIRECT_KINDS: Record<number, RedirectKind> = {
  54: 'write', // >
  55: 'append', // >>
  56: 'read', // <
  57: 'readwrite', // <>
  58: 'dup', // <&
  59: 'dup', // >&
  60: 'write', // >|
  61: 'heredoc', // <<
  62: 'heredoc', // <<-
  63: 'herestring', // <<<
  64: 'write', // &>
  65: 'append', // &>>
};
const PIPE_OPS = new Set([12, 13]); // |  |&

export function parseCommandLine(text: string): SimpleCommand[] {
  return parseScript(text, [], true, 0);
}

// Characters that mean nothing special to the shell. A line made only of these is a single simple command
// whose words are its blank-separated fields, exactly what the parser would return; splitting it directly
// skips the GopherJS parser, whose AST costs hundreds of microseconds to walk.
const PLAIN_LINE = /^[A-Za-z0-9_@%+=:,./~^ \t-]*$/;
const PLAIN_FIELD = /[^ \t]+/g;
const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*=/;
const RESERVED_WORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  'function',
  'select',
  'time',
  'coproc',
]);

function splitPlainLine(
  text: string,
): { args: ShellWord[]; assignments: Record<string, ShellWord> } | undefined {
  if (!PLAIN_LINE.test(text)) return undefined;
  const words = [...text.matchAll(PLAIN_FIELD)].map((match) => ({
    text: match[0],
    literal: true,
    start: match.index ?? 0,
    end: (match.index ?? 0) + match[0].length,
  }));
  const assignments: Record<string, ShellWord> = {};
  let first = 0;
  for (; first < words.length && ASSIGNMENT_WORD.test((words[first] as ShellWord).text); first++) {
    const word = words[first] as ShellWord;
    const eq = word.text.indexOf('=');
    assignments[word.text.slice(0, eq)] = {
      text: word.text.slice(eq + 1),
      literal: true,
      start: word.start + eq + 1,
      end: word.end,
    };
  }
  const program = words[first]?.text;
  // Keywords make a compound command (or a syntax error): leave those to the parser.
  if (program !== undefined && RESERVED_WORDS.has(program)) return undefined;
  return { args: words.slice(first), assignments };
}

function parseScript(text: string, wrappers: string[], topLevel: boolean, depth: number): SimpleCommand[] {
  const plain = splitPlainLine(text);
  if (plain !== undefined) {
    if (plain.args.length === 0 && Object.keys(plain.assignments).length === 0) return [];
    return expandWords(plain.args, plain.assignments, [], { wrappers, topLevel, depth, pipedFrom: [] });
  }
  let file: sh.File;
  try {
    file = parser.Parse(text, '');
  } catch (error) {
    const detail =
      typeof (error as sh.ParseError).Error === 'function' ? (error as sh.ParseError).Error() : String(error);
    throw new ShellParseError(detail);
  }
  const commands: SimpleCommand[] = [];
  const pipedInto = new Map<string, string[]>();
  syntax.Walk(file, (node) => {
    if (node === null) return true;
    if (syntax.NodeType(node) !== 'Stmt') return true;
    // Every field read on a GopherJS node converts a Go value to JS again: read each one once.
    const stmt = node as sh.Stmt;
    const cmd = stmt.Cmd;
    const redirects = stmt.Redirs.map(toRedirect);
    const pipedFrom = pipedInto.get(spanKey(stmt)) ?? [];
    const cmdType = cmd === null ? undefined : syntax.NodeType(cmd);
    if (cmdType === 'BinaryCmd') notePipe(cmd as sh.BinaryCmd, pipedFrom, pipedInto);
    if (cmdType === 'CallExpr') {
      commands.push(...expandCall(cmd as sh.CallExpr, redirects, { wrappers, topLevel, depth, pipedFrom }));
    } else if (redirects.length > 0) {
      // `{ …; } > out` or a bare `> out`: the redirection still reads or writes its target.
      commands.push({
        argv: [],
        assignments: {},
        redirects,
        wrappers,
        opaque: false,
        openArgv: false,
        topLevel,
        pipedFrom,
      });
    }
    return true;
  });
  return commands;
}

interface CallContext {
  wrappers: string[];
  topLevel: boolean;
  depth: number;
  pipedFrom: string[];
}

function expandCall(call: sh.CallExpr, redirects: ShellRedirect[], context: CallContext): SimpleCommand[] {
  const assignments: Record<string, ShellWord> = {};
  for (const assign of call.Assigns) {
    if (assign.Name === null) continue;
    assignments[assign.Name.Value] =
      assign.Value === null ? emptyWord(assign.End().Offset()) : toWord(assign.Value);
  }
  return expandWords(call.Args.map(toWord), assignments, redirects, context);
}

function expandWords(
  args: ShellWord[],
  assignments: Record<string, ShellWord>,
  redirects: ShellRedirect[],
  context: CallContext,
): SimpleCommand[] {
  const unwrapped = unwrapCommand(args);
  const command: SimpleCommand = {
    argv: unwrapped.argv,
    assignments: { ...assignments, ...unwrapped.assignments },
    redirects,
    wrappers: [...context.wrappers, ...unwrapped.wrappers],
    opaque: unwrapped.opaque,
    openArgv: unwrapped.openArgv,
    topLevel: context.topLevel,
    pipedFrom: context.pipedFrom,
  };
  const script = unwrapped.script;
  if (script === undefined) return [command];
  if (!script.literal || context.depth >= MAX_SCRIPT_DEPTH) return [{ ...command, opaque: true }];
  // The interpreter itself is kept too, so a rule on `bash` still sees it.
  const inner = parseScript(
    script.text,
    command.wrappers.concat(`${command.argv[0]?.text ?? 'sh'} -c`),
    false,
    context.depth + 1,
  );
  return [
    command,
    ...inner.map((nested) => ({ ...nested, assignments: { ...command.assignments, ...nested.assignments } })),
  ];
}

/** Walk visits a pipeline's statement before its two halves, so what feeds the whole feeds both. */
function notePipe(binary: sh.BinaryCmd, inherited: string[], pipedInto: Map<string, string[]>): void {
  if (!PIPE_OPS.has(binary.Op)) return;
  pipedInto.set(spanKey(binary.X), inherited);
  pipedInto.set(spanKey(binary.Y), [...inherited, ...programsOf(binary.X)]);
}

// GopherJS hands out a fresh wrapper object on every field access, so statements are keyed by their span.
function spanKey(node: sh.Node): string {
  return `${node.Pos().Offset()}:${node.End().Offset()}`;
}

function programsOf(stmt: sh.Stmt): string[] {
  const programs: string[] = [];
  syntax.Walk(stmt, (node) => {
    if (node !== null && syntax.NodeType(node) === 'CallExpr') {
      const argv = unwrapCommand((node as sh.CallExpr).Args.map(toWord)).argv;
      if (argv[0]) programs.push(argv[0].text);
    }
    return true;
  });
  return programs;
}

function toRedirect(redirect: sh.Redirect): ShellRedirect {
  return {
    kind: REDIRECT_KINDS[redirect.Op] ?? 'dup',
    target: redirect.Word === null ? undefined : toWord(redirect.Word),
  };
}

function emptyWord(offset: number): ShellWord {
  return { text: '', literal: true, start: offset, end: offset };
}

function toWord(word: sh.Word): ShellWord {
  let text = '';
  let literal = true;
  word.Parts.forEach((part, index) => {
    const rendered = renderPart(part, index === 0, false);
    text += rendered.text;
    literal &&= rendered.literal;
  });
  return { text, literal, start: word.Pos().Offset(), end: word.End().Offset() };
}

interface Rendered {
  text: string;
  literal: boolean;
}

function renderPart(part: sh.Node, atWordStart: boolean, inDoubleQuotes: boolean): Rendered {
  switch (syntax.NodeType(part)) {
    case 'Lit':
      return { text: unescape((part as sh.Lit).Value, inDoubleQuotes), literal: true };
    case 'SglQuoted': {
      const quoted = part as sh.SglQuoted;
      return { text: quoted.Dollar ? unescapeAnsiC(quoted.Value) : quoted.Value, literal: true };
    }
    case 'DblQuoted': {
      let text = '';
      let literal = true;
      (part as sh.DblQuoted).Parts.forEach((inner, index) => {
        const rendered = renderPart(inner, atWordStart && index === 0, true);
        text += rendered.text;
        literal &&= rendered.literal;
      });
      return { text, literal };
    }
    case 'ParamExp': {
      const name = (part as sh.ParamExp).Param?.Value ?? '';
      // `$HOME/.aws/credentials` names the same file as `~/.aws/credentials`; keep it recognisable.
      if (name === 'HOME' && atWordStart) return { text: '~', literal: true };
      return { text: `$${name}`, literal: false };
    }
    case 'CmdSubst':
    case 'ProcSubst':
      return { text: '$(…)', literal: false };
    default:
      return { text: '$?', literal: false };
  }
}

/** Backslash removal: outside quotes `\x` is `x`; inside double quotes only before `$ \` " \\` and newline. */
function unescape(value: string, inDoubleQuotes: boolean): string {
  if (!value.includes('\\')) return value;
  return inDoubleQuotes
    ? value.replace(/\\([$`"\\\n])/g, (_match, char: string) => (char === '\n' ? '' : char))
    : value.replace(/\\(.)/gs, (_match, char: string) => (char === '\n' ? '' : char));
}

const ANSI_C_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  e: '\x1b',
  a: '\x07',
};

function unescapeAnsiC(value: string): string {
  return value.replace(/\\(.)/gs, (match, char: string) => ANSI_C_ESCAPES[char] ?? match);
}
