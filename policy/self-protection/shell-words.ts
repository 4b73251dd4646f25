// A small shell tokenizer for self-protection: the simple commands of a command line (nested ones from $(…),
// `…`, <(…), `sh -c '…'` included), each as words made of literal, glob and unknown parts, with its
// redirections and variable assignments. It does not run anything and does not try to be bash: what it cannot
// read statically becomes an unknown part, which the checks treat as possibly naming what they protect.
//
// Temporary: the guard's shell parser (policy/externality, moving to tree-sitter-bash) should replace it; the
// checks only need `parseShell`'s output shape.

/** `lit`: literal text (`quoted` text takes no glob or brace meaning); `tilde`: a leading unquoted `~`;
 * `var`: `$NAME` / `${NAME}`; `dyn`: anything else whose value is only known when it runs. */
export type WordPart =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'tilde'; user: string }
  | { kind: 'var'; name: string }
  | { kind: 'dyn' };

export interface Word {
  parts: WordPart[];
  /** The source text of the word. */
  raw: string;
}

export interface Redirect {
  op: string;
  target: Word;
}

export interface SimpleCommand {
  /** `NAME=value` prefixes. */
  assignments: Array<{ name: string; value: Word }>;
  words: Word[];
  redirects: Redirect[];
  /** Here-document and here-string bodies fed to the command. */
  stdin: string[];
}

const RESERVED = new Set([
  'do',
  'then',
  'else',
  'elif',
  'if',
  'while',
  'until',
  '!',
  '{',
  'time',
  'done',
  'fi',
  '}',
  'esac',
]);
const MAX_DEPTH = 8;
// Bash splits words only at these (and at operators): a form feed, a vertical tab or a Unicode space is part of a
// word. The lexer's loop and readWord must agree on them, or a word of no characters never advances.
const BLANK = /[ \t\r]/;
const WORD_END = /[ \t\r\n;&|()]/;

/** Every simple command in `text`, nested ones after their parent. */
export function parseShell(text: string, depth = 0): SimpleCommand[] {
  const lexer = new Lexer(text);
  const commands: SimpleCommand[] = [];
  for (const command of lexer.commands()) {
    commands.push(command);
  }
  if (depth < MAX_DEPTH) {
    for (const nested of lexer.nested) commands.push(...parseShell(nested, depth + 1));
    // `sh -c 'code'`, `eval 'code'`: the string is itself a command line.
    for (const command of [...commands]) {
      const code = shellCodeOf(command);
      if (code !== undefined) commands.push(...parseShell(code, depth + 1));
    }
  }
  return commands;
}

/** The text of a word whose parts are all literal; undefined when any part is not. */
export function literalText(word: Word): string | undefined {
  let text = '';
  for (const part of word.parts) {
    if (part.kind !== 'lit') return undefined;
    text += part.text;
  }
  return text;
}

/** The word's text with unknown parts left out: what is statically known of it. */
export function knownText(word: Word): string {
  return word.parts.map((p) => (p.kind === 'lit' ? p.text : p.kind === 'tilde' ? `~${p.user}` : '')).join('');
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'busybox']);

function shellCodeOf(command: SimpleCommand): string | undefined {
  const names = command.words.map(literalText);
  const program = basename(names[0] ?? '');
  if (program === 'eval')
    return command.words
      .slice(1)
      .map((w) => w.raw)
      .join(' ');
  if (!SHELLS.has(program)) return undefined;
  const flag = names.findIndex((name, i) => i > 0 && name !== undefined && /^-[a-z]*c[a-z]*$/.test(name));
  return flag < 0 ? undefined : (names[flag + 1] ?? command.words[flag + 1]?.raw);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

class Lexer {
  private at = 0;
  /** Bodies of $(…), `…`, <(…), >(…): parsed as command lines of their own. */
  readonly nested: string[] = [];

  constructor(private readonly text: string) {}

  *commands(): Generator<SimpleCommand> {
    let current = emptyCommand();
    const flush = function* (): Generator<SimpleCommand> {
      while (current.words.length > 0 && RESERVED.has(literalText(current.words[0]!) ?? ''))
        current.words.shift();
      if (current.words.length + current.assignments.length + current.redirects.length > 0) yield current;
      current = emptyCommand();
    };
    const heredocs: Array<{ command: SimpleCommand; delimiter: string }> = [];
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (c === '\n') {
        this.at += 1;
        for (const doc of heredocs.splice(0)) doc.command.stdin.push(this.readHeredoc(doc.delimiter));
        yield* flush();
      } else if (BLANK.test(c)) {
        this.at += 1;
      } else if (c === '#') {
        while (this.at < this.text.length && this.text[this.at] !== '\n') this.at += 1;
      } else if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
        if (c === '&' && this.text[this.at + 1] === '>') {
          this.at += this.text[this.at + 2] === '>' ? 3 : 2;
          current.redirects.push({ op: '&>', target: this.readWord() });
          continue;
        }
        this.at += 1;
        yield* flush();
      } else if (this.redirectAhead()) {
        const op = this.readRedirectOp();
        if (op === '<<' || op === '<<-') {
          const delimiter = this.readWord();
          heredocs.push({ command: current, delimiter: literalText(delimiter) ?? knownText(delimiter) });
        } else if (op === '<<<') {
          current.stdin.push(this.readWord().raw);
        } else if (op.endsWith('&') && /^[0-9-]/.test(this.text[this.at] ?? '')) {
          this.readWord(); // an fd duplication: no file
        } else {
          current.redirects.push({ op, target: this.readWord() });
        }
      } else {
        const word = this.readWord();
        const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word.raw);
        if (assignment && current.words.length === 0) {
          current.assignments.push({ name: assignment[1]!, value: dropPrefix(word, assignment[0].length) });
        } else {
          current.words.push(word);
        }
      }
    }
    for (const doc of heredocs) doc.command.stdin.push(this.text.slice(this.at));
    yield* flush();
  }

  private redirectAhead(): boolean {
    return (
      /^[0-9]*(<<<|<<-|<<|<>|<&|<|>>|>&|>\||>)/.test(this.text.slice(this.at, this.at + 8)) &&
      !/^[0-9]*[<>]\(/.test(this.text.slice(this.at, this.at + 4))
    );
  }

  private readRedirectOp(): string {
    const match = /^[0-9]*(<<<|<<-|<<|<>|<&|<|>>|>&|>\||>)/.exec(this.text.slice(this.at))!;
    this.at += match[0].length;
    while (BLANK.test(this.text[this.at] ?? '')) this.at += 1;
    return match[1]!;
  }

  private readHeredoc(delimiter: string): string {
    const lines: string[] = [];
    while (this.at < this.text.length) {
      const end = this.text.indexOf('\n', this.at);
      const line = this.text.slice(this.at, end < 0 ? undefined : end);
      this.at = end < 0 ? this.text.length : end + 1;
      if (line.replace(/^\t+/, '') === delimiter) break;
      lines.push(line);
    }
    return lines.join('\n');
  }

  /** One word, up to unquoted whitespace or an operator. */
  private readWord(): Word {
    const start = this.at;
    const parts: WordPart[] = [];
    const lit = (text: string, quoted: boolean) => {
      const last = parts[parts.length - 1];
      if (last?.kind === 'lit' && last.quoted === quoted) last.text += text;
      else parts.push({ kind: 'lit', text, quoted });
    };
    if (this.text[this.at] === '~') {
      const user = /^~([A-Za-z0-9_.-]*)/.exec(this.text.slice(this.at))!;
      const next = this.text[this.at + user[0].length];
      if (next === undefined || next === '/' || next === '<' || next === '>' || WORD_END.test(next)) {
        parts.push({ kind: 'tilde', user: user[1]! });
        this.at += user[0].length;
      }
    }
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (WORD_END.test(c)) break;
      if ((c === '<' || c === '>') && this.text[this.at + 1] === '(') {
        this.nested.push(this.readBalanced(this.at + 2, '(', ')'));
        parts.push({ kind: 'dyn' });
      } else if (c === '<' || c === '>') {
        break;
      } else if (c === '\\') {
        lit(this.text[this.at + 1] ?? '', true);
        this.at += 2;
      } else if (c === "'") {
        const end = this.text.indexOf("'", this.at + 1);
        lit(this.text.slice(this.at + 1, end < 0 ? undefined : end), true);
        this.at = end < 0 ? this.text.length : end + 1;
      } else if (c === '"') {
        this.at += 1;
        while (this.at < this.text.length && this.text[this.at] !== '"') {
          const d = this.text[this.at]!;
          if (d === '\\' && /["\\$`\n]/.test(this.text[this.at + 1] ?? '')) {
            lit(this.text[this.at + 1]!, true);
            this.at += 2;
          } else if (d === '$' || d === '`') {
            parts.push(this.readExpansion());
          } else {
            lit(d, true);
            this.at += 1;
          }
        }
        this.at += 1;
      } else if (c === '$' && this.text[this.at + 1] === "'") {
        const end = this.text.indexOf("'", this.at + 2);
        lit(unescapeAnsiC(this.text.slice(this.at + 2, end < 0 ? undefined : end)), true);
        this.at = end < 0 ? this.text.length : end + 1;
      } else if (c === '$' || c === '`') {
        parts.push(this.readExpansion());
      } else {
        lit(c, false);
        this.at += 1;
      }
    }
    return { parts, raw: this.text.slice(start, this.at) };
  }

  /** At `$` or a backtick: a variable, a substitution or an arithmetic expansion. */
  private readExpansion(): WordPart {
    const c = this.text[this.at]!;
    if (c === '`') {
      const end = this.text.indexOf('`', this.at + 1);
      this.nested.push(this.text.slice(this.at + 1, end < 0 ? undefined : end));
      this.at = end < 0 ? this.text.length : end + 1;
      return { kind: 'dyn' };
    }
    const next = this.text[this.at + 1];
    if (next === '(') {
      const arithmetic = this.text[this.at + 2] === '(';
      const body = this.readBalanced(this.at + 2, '(', ')');
      if (!arithmetic) this.nested.push(body);
      return { kind: 'dyn' };
    }
    if (next === '{') {
      const body = this.readBalanced(this.at + 2, '{', '}');
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.exec(body)?.[0];
      return name ? { kind: 'var', name } : { kind: 'dyn' };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9@*#?$!-]/.exec(this.text.slice(this.at + 1))?.[0];
    if (name === undefined) {
      this.at += 1;
      return { kind: 'lit', text: '$', quoted: true };
    }
    this.at += 1 + name.length;
    return /^[A-Za-z_]/.test(name) ? { kind: 'var', name } : { kind: 'dyn' };
  }

  /** The text between `from` and the matching close, quotes respected; moves past the close. */
  private readBalanced(from: number, open: string, close: string): string {
    let depth = 1;
    let i = from;
    while (i < this.text.length) {
      const c = this.text[i]!;
      if (c === '\\') i += 1;
      else if (c === "'") i = Math.max(this.text.indexOf("'", i + 1), i);
      else if (c === open) depth += 1;
      else if (c === close && --depth === 0) break;
      i += 1;
    }
    const body = this.text.slice(from, i);
    this.at = Math.min(i + 1, this.text.length);
    return body;
  }
}

function emptyCommand(): SimpleCommand {
  return { assignments: [], words: [], redirects: [], stdin: [] };
}

/** The word after its first `=` (`--output=PATH` → PATH); the word itself when it has none in a literal. */
export function valueAfterEquals(word: Word): Word {
  let offset = 0;
  for (const part of word.parts) {
    if (part.kind !== 'lit') return word;
    const at = part.text.indexOf('=');
    if (at >= 0) return dropPrefix(word, offset + at + 1);
    offset += part.text.length;
  }
  return word;
}

/** A word of literal, unquoted text (globs and a leading `~` keep their meaning). */
export function plainWord(text: string): Word {
  return { parts: [{ kind: 'lit', text, quoted: false }], raw: text };
}

function dropPrefix(word: Word, length: number): Word {
  let skip = length;
  const parts: WordPart[] = [];
  for (const part of word.parts) {
    if (skip > 0 && part.kind === 'lit') {
      const take = Math.min(skip, part.text.length);
      skip -= take;
      if (take < part.text.length) parts.push({ ...part, text: part.text.slice(take) });
    } else {
      parts.push(part);
    }
  }
  return { parts, raw: word.raw.slice(length) };
}

function unescapeAnsiC(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return { n: '\n', t: '\t', r: '\r' }[e] ?? e;
  });
}
