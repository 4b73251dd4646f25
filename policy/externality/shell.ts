// Shell command lines → the simple commands they run, through a real parser (tree-sitter-bash, run by
// web-tree-sitter): pipes, lists, subshells, `$(…)`, backticks, quoting, here-documents and redirections all
// come from its syntax tree. Commands that run other commands (`sudo`, `env`, `xargs`, `bash -c '…'`,
// `eval`, `… | sh` of text the line spells out) are unwrapped so the classifier sees what really runs, and the
// line's own variables are followed (`c=curl; $c …`), as the shell would expand them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { ProoflineError } from '../../schemas/errors.js';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

import type { ParsedLine, RedirectKind, ShellRedirect, ShellWord, SimpleCommand } from './simple-command.js';
import { programName, unwrapCommand } from './wrappers.js';

export class ShellParseError extends ProoflineError<'SHELL_UNPARSEABLE'> {
  constructor(readonly detail: string) {
    super('SHELL_UNPARSEABLE', `cannot parse shell command: ${detail}`);
  }
}

// One parser for the process: loading the grammar costs milliseconds, a parse microseconds.
await Parser.init();
const BASH = await Language.load(
  readFileSync(createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm')),
);
const parser = new Parser();
parser.setLanguage(BASH);

// Nested `bash -c` deeper than this is treated as opaque rather than parsed without bound.
const MAX_SCRIPT_DEPTH = 4;
// Brace expansion beyond this many words is left unexpanded (and so not literal).
const MAX_BRACE_WORDS = 32;
// What the guard reads of one line is bounded, so that no command the agent writes can hold the server's one
// thread for long or exhaust its memory: a line beyond these is too large to judge (ShellParseError, which
// the guard treats as unknown facts, raising the route). Real command lines are far inside them; the
// attacks they stop are measured in test/policy/shell-limits.test.ts.
const MAX_LINE_LENGTH = 128 * 1024;
const MAX_SYNTAX_NODES = 10_000;
const MAX_SYNTAX_DEPTH = 200;
// Text the line's own variables expand to, in all (`b=$a$a; c=$b$b; …` doubles it at every step).
const MAX_EXPANDED_LENGTH = 1024 * 1024;

const REDIRECT_OPERATORS: Record<string, RedirectKind> = {
  '>': 'write',
  '>|': 'write',
  '&>': 'write',
  '>>': 'append',
  '&>>': 'append',
  '<': 'read',
  '<>': 'readwrite',
  '<&': 'dup',
  '>&': 'dup',
  '<&-': 'dup',
  '>&-': 'dup',
};

const STATEMENTS = new Set([
  'command',
  'redirected_statement',
  'pipeline',
  'list',
  'subshell',
  'compound_statement',
  'if_statement',
  'while_statement',
  'for_statement',
  'c_style_for_statement',
  'case_statement',
  'function_definition',
  'negated_command',
  'variable_assignment',
  'variable_assignments',
  'declaration_command',
  'unset_command',
  'test_command',
]);
const LOOPS = new Set(['while_statement', 'for_statement', 'c_style_for_statement']);

/** A variable the line set: its value when that is known, and the commands whose output went into it. */
interface LineVariable {
  value: string | undefined;
  sources: number[];
}

interface Context {
  wrappers: string[];
  topLevel: boolean;
  depth: number;
  /** Commands feeding the statement's stdin. */
  stdinFrom: number[];
  /** Flows every command here inherits (the inputs of the `bash -c` that runs them). */
  inherited: number[];
  /** Assignments here take effect unconditionally, so later words may use their values. */
  sequential: boolean;
  /** Inside a loop body every command shares one step: an iteration sees what the last one left. */
  inLoop: boolean;
  stdinText?: ShellWord;
}

export function parseCommandLine(text: string): ParsedLine {
  const builder = new LineBuilder();
  builder.parseScript(text, {
    wrappers: [],
    topLevel: true,
    depth: 0,
    stdinFrom: [],
    inherited: [],
    sequential: true,
    inLoop: false,
  });
  return { commands: builder.commands };
}

class LineBuilder {
  readonly commands: SimpleCommand[] = [];
  private step = 0;
  private vars = new Map<string, LineVariable>();
  /** Aliases the line defines (`alias x='…'`): a later command named x runs their text. */
  private readonly aliases = new Map<string, string>();
  /** Field separators when the line set IFS; undefined for the default blank, tab and newline. */
  private ifs: string | undefined;
  /** Characters the line's variables have expanded to so far (MAX_EXPANDED_LENGTH). */
  private expanded = 0;

  parseScript(text: string, context: Context): number[] {
    if (text.length > MAX_LINE_LENGTH)
      throw new ShellParseError(`longer than ${MAX_LINE_LENGTH} characters: too large to judge`);
    const tree = parser.parse(text);
    if (tree === null) throw new ShellParseError('the parser returned no tree');
    try {
      const root = tree.rootNode;
      if (root.hasError) throw new ShellParseError(describeError(root));
      assertSyntaxBounded(tree);
      return this.sequence(root.namedChildren, context);
    } finally {
      tree.delete();
    }
  }

  /** Statements one after the other; each starts a new step unless a loop holds them together. */
  private sequence(nodes: ReadonlyArray<Node | null>, context: Context): number[] {
    const produced: number[] = [];
    for (const node of nodes) {
      if (node === null || !STATEMENTS.has(node.type)) continue;
      if (!context.inLoop && this.commands.length > 0) this.step += 1;
      produced.push(...this.statement(node, context));
    }
    return produced;
  }

  /** Returns the commands whose output is the statement's output. */
  private statement(node: Node, context: Context): number[] {
    switch (node.type) {
      case 'command':
        return this.command(node, [], context);
      case 'redirected_statement':
        return this.redirected(node, context);
      case 'pipeline':
        return this.pipeline(node, context);
      case 'list':
        return this.list(node, context);
      case 'subshell':
      case 'compound_statement':
        return this.sequence(node.namedChildren, context);
      case 'negated_command':
        return this.sequence(node.namedChildren, context);
      case 'variable_assignment':
        return this.assign(node, context);
      case 'variable_assignments':
        return node.namedChildren.flatMap((child) => (child ? this.assign(child, context) : []));
      case 'declaration_command':
      case 'unset_command':
        return this.declaration(node, context);
      case 'function_definition':
        // The body runs when the function is called, maybe never, maybe twice: judge it as if it ran here.
        return this.conditional(node, { ...context, sequential: false });
      default:
        return this.conditional(node, {
          ...context,
          sequential: false,
          inLoop: context.inLoop || LOOPS.has(node.type),
        });
    }
  }

  /** if/case/loops/`[[ … ]]`: statements inside run or not; words in their heads still expand. */
  private conditional(node: Node, context: Context): number[] {
    const produced: number[] = [];
    // `for f in WORDS`: in the body, `$f` is each of the words in turn; the guard sees them all at once.
    const loopVariable = node.type === 'for_statement' ? node.childForFieldName('variable')?.text : undefined;
    const values =
      loopVariable === undefined ? [] : node.childrenForFieldName('value').filter((value) => value !== null);
    const skip = new Set(values.map((value) => value.id));
    if (loopVariable !== undefined) {
      const sources: number[] = [];
      const words = values.flatMap((value) => this.word(value, context, sources));
      this.vars.set(loopVariable, {
        value:
          words.length > 0 && words.every((word) => word.literal)
            ? words.map((word) => word.text).join(' ')
            : undefined,
        sources,
      });
    }
    for (const child of node.namedChildren) {
      if (child === null || skip.has(child.id)) continue;
      if (STATEMENTS.has(child.type) || child.type === 'do_group' || child.type.endsWith('_clause'))
        produced.push(...this.statement(child, context));
      else if (child.type === 'compound_statement' || child.type === 'case_item')
        produced.push(...this.conditional(child, context));
      else this.collectSubstitutions(child, context);
    }
    return produced;
  }

  private list(node: Node, context: Context): number[] {
    const produced: number[] = [];
    let conditional = false;
    for (const child of node.children) {
      if (child === null) continue;
      if (!child.isNamed) {
        // What follows `||` runs only when what came before failed; after `&&` or `;` it runs in order.
        if (child.type === '||') conditional = true;
        continue;
      }
      if (!STATEMENTS.has(child.type)) continue;
      if (produced.length > 0 && !context.inLoop) this.step += 1;
      produced.push(...this.statement(child, { ...context, sequential: context.sequential && !conditional }));
    }
    return produced;
  }

  private pipeline(node: Node, context: Context): number[] {
    const produced: number[] = [];
    let upstream = context.stdinFrom;
    for (const child of node.namedChildren) {
      if (child === null || !STATEMENTS.has(child.type)) continue;
      // Each stage runs in its own subshell: what it assigns does not outlive it.
      const stage = this.statement(child, { ...context, stdinFrom: upstream, sequential: false });
      produced.push(...stage);
      upstream = stage;
    }
    return produced;
  }

  private redirected(node: Node, context: Context): number[] {
    const body = node.childForFieldName('body');
    const redirects: ShellRedirect[] = [];
    const sources: number[] = [];
    const piped: Node[] = [];
    for (const child of node.namedChildren) {
      if (child === null || child === body) continue;
      this.redirectsOf(child, redirects, sources, piped, context);
    }
    let produced: number[];
    if (body?.type === 'command') {
      produced = this.command(body, redirects, { ...context, inherited: [...context.inherited, ...sources] });
    } else {
      // `{ …; } > out`, `while …; done < in`: what reads the input comes first, what takes the output last.
      const reading = redirects.filter(
        (r) => r.kind === 'read' || r.kind === 'heredoc' || r.kind === 'herestring',
      );
      const writing = redirects.filter((r) => !reading.includes(r));
      const source = reading.length > 0 ? [this.push([], reading, context, sources)] : [];
      const inner =
        body === null
          ? []
          : this.statement(body, { ...context, stdinFrom: [...context.stdinFrom, ...source] });
      const sink =
        writing.length > 0
          ? [this.push([], writing, { ...context, inherited: [...context.inherited, ...inner] }, sources)]
          : [];
      produced = [...inner, ...sink];
    }
    // `cat <<EOF | sh`: the grammar puts what follows the here-document marker inside the redirect.
    let upstream = produced;
    for (const statement of piped) {
      const stage = this.statement(statement, { ...context, stdinFrom: upstream, sequential: false });
      produced = [...produced, ...stage];
      upstream = stage;
    }
    return produced;
  }

  private redirectsOf(
    node: Node,
    redirects: ShellRedirect[],
    sources: number[],
    piped: Node[],
    context: Context,
  ): void {
    switch (node.type) {
      case 'file_redirect': {
        const operator = node.children.find((child) => child !== null && !child.isNamed)?.type ?? '>';
        const destination = node.childForFieldName('destination');
        const target = destination === null ? undefined : this.word(destination, context, sources)[0];
        redirects.push({ kind: REDIRECT_OPERATORS[operator] ?? 'write', target });
        return;
      }
      case 'herestring_redirect': {
        const value = node.namedChildren.find((child) => child !== null);
        const target = value ? this.word(value, context, sources)[0] : undefined;
        redirects.push({ kind: 'herestring', target: target && { ...target, text: `${target.text}\n` } });
        return;
      }
      case 'heredoc_redirect': {
        const start = node.namedChildren.find((child) => child?.type === 'heredoc_start');
        // A quoted delimiter (`<<'EOF'`) keeps the body as written; otherwise `$…` in it expands.
        const quoted = start ? /['"\\]/.test(start.text) : false;
        for (const child of node.namedChildren) {
          if (child === null) continue;
          if (child.type === 'heredoc_body') {
            if (!quoted) this.collectSubstitutions(child, context, sources);
            const expands = !quoted && child.namedChildren.some((part) => part?.type !== 'heredoc_content');
            redirects.push({
              kind: 'heredoc',
              target: { text: child.text, literal: !expands, start: child.startIndex, end: child.endIndex },
            });
          } else if (child.type.endsWith('_redirect')) {
            this.redirectsOf(child, redirects, sources, piped, context);
          } else if (STATEMENTS.has(child.type)) {
            piped.push(child);
          }
        }
        return;
      }
      default:
        if (node.type.endsWith('_redirect')) redirects.push({ kind: 'write', target: undefined });
    }
  }

  private command(node: Node, outer: ShellRedirect[], context: Context): number[] {
    const sources: number[] = [...context.inherited];
    const assignments: Record<string, ShellWord> = {};
    const args: ShellWord[] = [];
    const redirects: ShellRedirect[] = [...outer];
    const piped: Node[] = [];
    for (const child of node.namedChildren) {
      if (child === null) continue;
      if (child.type === 'variable_assignment') {
        const name = child.childForFieldName('name')?.text ?? '';
        const value = child.childForFieldName('value');
        assignments[name] =
          value === null ? emptyWord(child.endIndex) : joinWords(this.word(value, context, sources), value);
      } else if (child.type === 'command_name') {
        const name = child.namedChildren[0];
        if (name) args.push(...this.word(name, context, sources));
      } else if (child.type.endsWith('_redirect')) {
        this.redirectsOf(child, redirects, sources, piped, context);
      } else {
        args.push(...this.word(child, context, sources));
      }
    }
    const produced = this.expand(args, assignments, redirects, context, sources);
    let upstream = produced;
    for (const statement of piped) {
      upstream = this.statement(statement, { ...context, stdinFrom: upstream, sequential: false });
      produced.push(...upstream);
    }
    return produced;
  }

  /** Unwraps wrappers and runs what a shell or `eval` is handed, when the line shows it. */
  private expand(
    args: ShellWord[],
    assignments: Record<string, ShellWord>,
    redirects: ShellRedirect[],
    context: Context,
    sources: number[],
  ): number[] {
    const name = args[0]?.literal ? args[0].text : undefined;
    if (name === 'alias') {
      for (const word of args.slice(1)) {
        const definition = /^([^=\s]+)=(.*)$/s.exec(word.text);
        if (definition && word.literal) this.aliases.set(definition[1] as string, definition[2] as string);
      }
    }
    const alias = name === undefined ? undefined : this.aliases.get(name);
    if (alias !== undefined && context.depth < MAX_SCRIPT_DEPTH && args.every((word) => word.literal)) {
      // What the alias stands for, with the arguments after it, is what runs.
      const text = [alias, ...args.slice(1).map((word) => word.text)].join(' ');
      const saved = this.aliases.get(name as string);
      this.aliases.delete(name as string);
      try {
        return this.parseScript(text, {
          ...context,
          topLevel: false,
          depth: context.depth + 1,
          inherited: [...context.inherited, ...sources],
        });
      } finally {
        this.aliases.set(name as string, saved as string);
      }
    }
    const unwrapped = unwrapCommand(args);
    const index = this.push(
      unwrapped.argv,
      [...redirects, ...unwrapped.argumentFiles.map((target) => ({ kind: 'read' as const, target }))],
      { ...context, wrappers: [...context.wrappers, ...unwrapped.wrappers] },
      sources,
      { ...assignments, ...unwrapped.assignments },
      unwrapped.openArgv,
    );
    const command = this.commands[index] as SimpleCommand;
    const script = unwrapped.script ?? (unwrapped.runsStdin ? command.stdinText : undefined);
    if (script === undefined || !script.literal || context.depth >= MAX_SCRIPT_DEPTH) {
      command.opaque = unwrapped.opaque || unwrapped.script !== undefined;
      return [index];
    }
    // The shell's commands run in a new shell: they see none of this line's unexported variables.
    const saved = { vars: this.vars, ifs: this.ifs };
    this.vars = new Map();
    this.ifs = undefined;
    try {
      const inner = this.parseScript(script.text, {
        wrappers: [...command.wrappers, `${command.argv[0]?.text ?? 'sh'} -c`],
        topLevel: false,
        depth: context.depth + 1,
        stdinFrom: unwrapped.runsStdin ? [] : command.stdinFrom,
        inherited: command.inputs,
        sequential: true,
        inLoop: true,
      });
      return [index, ...inner];
    } finally {
      this.vars = saved.vars;
      this.ifs = saved.ifs;
    }
  }

  private push(
    argv: ShellWord[],
    redirects: ShellRedirect[],
    context: Context,
    sources: number[],
    assignments: Record<string, ShellWord> = {},
    openArgv = false,
  ): number {
    const index = this.commands.length;
    const stdinFrom = [...context.stdinFrom];
    const command: SimpleCommand = {
      index,
      argv,
      assignments,
      redirects,
      wrappers: context.wrappers,
      opaque: false,
      openArgv,
      topLevel: context.topLevel,
      step: this.step,
      inputs: unique([...sources, ...stdinFrom]),
      stdinFrom,
      text: argv.map((word) => word.text).join(' '),
    };
    const stdinText = redirectedText(redirects) ?? this.pipedText(stdinFrom) ?? context.stdinText;
    if (stdinText !== undefined) command.stdinText = stdinText;
    this.commands.push(command);
    return index;
  }

  /** What a single upstream command prints, when the line spells it out. */
  private pipedText(stdinFrom: number[]): ShellWord | undefined {
    if (stdinFrom.length !== 1) return undefined;
    const upstream = this.commands[stdinFrom[0] as number];
    return upstream === undefined ? undefined : printedText(upstream);
  }

  private assign(node: Node, context: Context): number[] {
    const name = node.childForFieldName('name')?.text ?? '';
    const value = node.childForFieldName('value');
    const sources: number[] = [];
    const words = value === null ? [] : this.word(value, context, sources);
    const word = value === null ? emptyWord(node.endIndex) : joinWords(words, value);
    if (context.sequential) {
      // Unique: `b=$a$a` would otherwise double what every later expansion carries along.
      this.vars.set(name, { value: word.literal ? word.text : undefined, sources: unique(sources) });
      if (name === 'IFS') this.ifs = word.literal ? word.text : '';
    } else {
      // Set in a branch, a loop or a subshell: from here on its value is not known.
      this.vars.set(name, {
        value: undefined,
        sources: unique([...(this.vars.get(name)?.sources ?? []), ...sources]),
      });
      if (name === 'IFS') this.ifs = '';
    }
    return sources;
  }

  /** `export A=1 B`, `local x=$(…)`, `declare -p`: a command of its own, and assignments. */
  private declaration(node: Node, context: Context): number[] {
    const sources: number[] = [...context.inherited];
    const keyword = node.children[0];
    const argv: ShellWord[] = keyword ? [wordOf(keyword.text, keyword)] : [];
    for (const child of node.namedChildren) {
      if (child === null) continue;
      if (child.type === 'variable_assignment') {
        sources.push(...this.assign(child, context));
        argv.push(wordOf(child.childForFieldName('name')?.text ?? '', child));
      } else {
        argv.push(...this.word(child, context, sources));
      }
    }
    return [this.push(argv, [], context, sources)];
  }

  /** Commands inside words that are not a command's own (a `for` list, a `case` subject, `[[ … ]]`). */
  private collectSubstitutions(node: Node, context: Context, sources: number[] = []): void {
    for (const child of node.namedChildren) {
      if (child === null) continue;
      if (child.type === 'command_substitution' || child.type === 'process_substitution') {
        sources.push(...this.substitution(child, context));
      } else {
        this.collectSubstitutions(child, context, sources);
      }
    }
  }

  private substitution(node: Node, context: Context): number[] {
    return this.sequenceInPlace(node.namedChildren, { ...context, stdinFrom: [], sequential: false });
  }

  /** Statements of a `$(…)`: part of the step of the command that uses them. */
  private sequenceInPlace(nodes: ReadonlyArray<Node | null>, context: Context): number[] {
    const produced: number[] = [];
    for (const node of nodes) {
      if (node !== null && STATEMENTS.has(node.type)) produced.push(...this.statement(node, context));
    }
    return produced;
  }

  /** One syntactic word → the fields it expands to (usually one; brace expansion and `$VAR` splitting make
   * more). Commands in `$(…)` are parsed here, before the command that uses their output. */
  private word(node: Node, context: Context, sources: number[]): ShellWord[] {
    const rendered = this.render(node, context, sources, true, false);
    const start = node.startIndex;
    const end = node.endIndex;
    if (rendered.split !== undefined)
      return rendered.split.map((text) => ({ text, literal: true, start, end }));
    const word = { text: rendered.text, literal: rendered.literal, start, end };
    if (rendered.literal && !rendered.quoted) {
      const braces = expandBraces(rendered.text);
      if (braces.length > 1) return braces.map((text) => ({ ...word, text }));
    }
    return [word];
  }

  private render(
    node: Node,
    context: Context,
    sources: number[],
    atStart: boolean,
    inDouble: boolean,
  ): Rendered {
    switch (node.type) {
      case 'word':
      case 'number':
      case 'file_descriptor':
        return plain(unescape(node.text, inDouble));
      case 'string_content':
      case 'heredoc_content':
        return plain(unescape(node.text, true));
      case 'raw_string':
        return { text: node.text.slice(1, -1), literal: true, quoted: true };
      case 'ansi_c_string':
        return { text: unescapeAnsiC(node.text.slice(2, -1)), literal: true, quoted: true };
      case 'string':
      case 'translated_string':
        return this.renderString(node, context, sources, atStart);
      case 'concatenation': {
        let text = '';
        let literal = true;
        let quoted = false;
        node.namedChildren.forEach((part, i) => {
          if (part === null) return;
          const r = this.render(part, context, sources, atStart && i === 0, inDouble);
          text += r.text;
          literal &&= r.literal;
          quoted ||= r.quoted;
        });
        return { text, literal, quoted };
      }
      case 'simple_expansion':
      case 'expansion':
        return this.renderExpansion(node, sources, atStart, inDouble);
      case 'command_substitution': {
        const produced = this.substitution(node, context);
        sources.push(...produced);
        // `$(echo LmVudg== | base64 -d)`: what it prints is on the line, so the word is known.
        const last = this.commands[produced[produced.length - 1] ?? -1];
        const printed = produced.length > 0 && last !== undefined ? printedText(last) : undefined;
        if (printed?.literal)
          return { text: printed.text.replace(/\n+$/, ''), literal: true, quoted: inDouble };
        return { text: '$(…)', literal: false, quoted: inDouble };
      }
      case 'process_substitution':
        sources.push(...this.substitution(node, context));
        return { text: '$(…)', literal: false, quoted: inDouble };
      case 'arithmetic_expansion':
        this.collectSubstitutions(node, context, sources);
        return { text: '$((…))', literal: false, quoted: inDouble };
      default:
        this.collectSubstitutions(node, context, sources);
        return { text: node.text, literal: node.namedChildCount === 0, quoted: false };
    }
  }

  private renderString(node: Node, context: Context, sources: number[], atStart: boolean): Rendered {
    // Text between the named parts (a `$` that starts nothing, for one) is literal too.
    const inner = node.type === 'translated_string' ? 2 : 1;
    let text = '';
    let literal = true;
    let at = node.startIndex + inner;
    const source = node.text;
    const base = node.startIndex;
    node.namedChildren.forEach((part, i) => {
      if (part === null) return;
      if (part.startIndex > at) text += unescape(source.slice(at - base, part.startIndex - base), true);
      const r = this.render(
        part,
        context,
        sources,
        atStart && i === 0 && part.startIndex === base + inner,
        true,
      );
      text += r.text;
      literal &&= r.literal;
      at = part.endIndex;
    });
    const close = node.endIndex - 1;
    if (close > at) text += unescape(source.slice(at - base, close - base), true);
    return { text, literal, quoted: true };
  }

  private renderExpansion(node: Node, sources: number[], atStart: boolean, inDouble: boolean): Rendered {
    const name = node.namedChildren.find((child) => child?.type === 'variable_name')?.text;
    // `${X:-d}`, `${#X}`, `${X/a/b}`: an operator makes the value something else.
    const bare = name !== undefined && node.text.replace(/^\$\{?|\}$/g, '') === name;
    const variable = name === undefined ? undefined : this.vars.get(name);
    if (variable) sources.push(...variable.sources);
    if (bare && variable?.value !== undefined) {
      const value = variable.value;
      this.expanded += value.length;
      if (this.expanded > MAX_EXPANDED_LENGTH)
        throw new ShellParseError(`its variables expand to more than ${MAX_EXPANDED_LENGTH} characters`);
      if (inDouble) return { text: value, literal: true, quoted: true };
      const fields = splitFields(value, this.ifs);
      return fields.length === 1
        ? plain(value)
        : { text: value, literal: true, quoted: false, split: fields };
    }
    // `$HOME/.aws/credentials` (or `@$HOME/…`) names the same file as `~/.aws/credentials`; keep it recognisable.
    if (bare && name === 'HOME' && variable === undefined)
      return { text: '~', literal: true, quoted: inDouble };
    return { text: `$${name ?? '?'}`, literal: false, quoted: inDouble };
  }
}

interface Rendered {
  text: string;
  literal: boolean;
  /** Any part was quoted: no brace expansion. */
  quoted: boolean;
  /** An unquoted expansion split into several fields. */
  split?: string[];
}

const plain = (text: string): Rendered => ({ text, literal: true, quoted: false });

function wordOf(text: string, node: Node): ShellWord {
  return { text, literal: true, start: node.startIndex, end: node.endIndex };
}

function emptyWord(offset: number): ShellWord {
  return { text: '', literal: true, start: offset, end: offset };
}

function joinWords(words: ShellWord[], node: Node): ShellWord {
  return {
    text: words.map((word) => word.text).join(' '),
    literal: words.every((word) => word.literal),
    start: node.startIndex,
    end: node.endIndex,
  };
}

function unique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function describeError(root: Node): string {
  const error = root.descendantsOfType(['ERROR'])[0];
  const at = error ?? root;
  return `syntax error near offset ${at.startIndex}: ${JSON.stringify(at.text.slice(0, 40))}`;
}

/** The text a here-document or here-string hands the command on stdin. */
function redirectedText(redirects: ShellRedirect[]): ShellWord | undefined {
  const last = [...redirects]
    .reverse()
    .find((r) => r.kind === 'heredoc' || r.kind === 'herestring' || r.kind === 'read');
  return last && last.kind !== 'read' ? last.target : undefined;
}

/** What `echo`, `printf '%s'`, `cat` and `base64 -d` print, when their input is spelled out on the line. */
export function printedText(command: SimpleCommand): ShellWord | undefined {
  const [program, ...args] = command.argv;
  const name = programName(program);
  const at = (text: string): ShellWord => ({
    text,
    literal: true,
    start: program?.start ?? 0,
    end: args[args.length - 1]?.end ?? program?.end ?? 0,
  });
  if (args.some((word) => !word.literal)) return undefined;
  if (name === 'echo') {
    const words = args.filter((word, i) => !(i === 0 && /^-[neE]+$/.test(word.text)));
    return at(`${words.map((word) => word.text).join(' ')}\n`);
  }
  if (name === 'printf' && args.length >= 1 && !args[0]?.text.replace(/%s/g, '').includes('%'))
    return at(
      unescapeAnsiC(args[0]?.text ?? '').replace(
        /%s/,
        args
          .slice(1)
          .map((word) => word.text)
          .join(''),
      ),
    );
  const stdin = command.stdinText;
  if (stdin === undefined || !stdin.literal) return undefined;
  if (name === 'cat' && args.length === 0) return stdin;
  if (name === 'base64' && args.some((word) => /^(-d|-D|--decode)$/.test(word.text))) {
    const decoded = Buffer.from(stdin.text.replace(/\s+/g, ''), 'base64').toString('utf8');
    return { ...stdin, text: decoded };
  }
  return undefined;
}

/** Word splitting of an unquoted expansion on IFS (default blank, tab, newline). */
function splitFields(value: string, ifs: string | undefined): string[] {
  const separators = ifs ?? ' \t\n';
  if (separators === '') return [value];
  const escaped = [...separators].map((char) => char.replace(/[\\\]^-]/g, '\\$&')).join('');
  return value.split(new RegExp(`[${escaped}]+`)).filter((field) => field !== '');
}

// One group `{a,b…}`: counted over the whole word, and split off (what comes before it, its choices, the rest).
const BRACE = String.raw`\{([^{}]*,[^{}]*)\}`;
const BRACE_GROUP = new RegExp(BRACE, 'g');
const FIRST_BRACE_GROUP = new RegExp(`^(.*?)${BRACE}(.*)$`, 's');

/** `{a,b}.txt` → `a.txt b.txt`, one level per group, as bash does before anything else. Words are made one
 * at a time and the expansion given up at the first one over the limit: `{a,b}` thirty times over is 2^30
 * words. */
function expandBraces(text: string): string[] {
  // Each group makes at least two words: more groups than this cannot stay within the limit.
  if ((text.match(BRACE_GROUP)?.length ?? 0) > Math.log2(MAX_BRACE_WORDS)) return [text];
  const words: string[] = [];
  const expand = (part: string): boolean => {
    const match = FIRST_BRACE_GROUP.exec(part);
    if (match === null) return words.push(part) <= MAX_BRACE_WORDS;
    const [, prefix = '', body = '', suffix = ''] = match;
    return body.split(',').every((choice) => expand(`${prefix}${choice}${suffix}`));
  };
  return expand(text) ? words : [text];
}

/** Walks the tree without recursion (a deep one is the attack) and refuses one too large or too deep. */
function assertSyntaxBounded(tree: Tree): void {
  const cursor = tree.walk();
  try {
    let nodes = 1;
    let depth = 0;
    for (;;) {
      if (cursor.gotoFirstChild()) depth += 1;
      else {
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) return;
          depth -= 1;
        }
      }
      nodes += 1;
      if (nodes > MAX_SYNTAX_NODES)
        throw new ShellParseError(`more than ${MAX_SYNTAX_NODES} syntax nodes: too large to judge`);
      if (depth > MAX_SYNTAX_DEPTH)
        throw new ShellParseError(`nested more than ${MAX_SYNTAX_DEPTH} levels deep: too large to judge`);
    }
  } finally {
    cursor.delete();
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
  E: '\x1b',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** `$'…'`: C escapes, including the hex, octal and unicode forms used to spell a word without writing it. */
function unescapeAnsiC(value: string): string {
  return value.replace(
    /\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)/gs,
    (match, escape: string) => {
      const head = escape[0] as string;
      if (head === 'x' || head === 'u' || head === 'U')
        return String.fromCodePoint(Number.parseInt(escape.slice(1), 16));
      if (/[0-7]/.test(head)) return String.fromCharCode(Number.parseInt(escape, 8));
      if (head === 'c') return String.fromCharCode((escape.charCodeAt(1) ?? 64) & 31);
      return ANSI_C_ESCAPES[head] ?? match;
    },
  );
}
