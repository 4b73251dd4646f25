// Glob patterns compiled once to anchored regular expressions. Written here rather than imported because the
// policy language needs only `*`, `**`, `?` and `[...]`, and two meanings of `*` (see GlobMode).

/**
 * `path`: `*` and `?` stop at `/`, `**` crosses directories (`a/**\/b` also matches `a/b`).
 * `text`: `*` matches any run of characters, for tool names, hosts and whole command lines.
 */
export type GlobMode = 'path' | 'text';

const REGEX_SPECIAL = /[\\^$.|+(){}]/;

export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function globToRegExp(glob: string, mode: GlobMode): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*') {
      const double = glob[i + 1] === '*';
      if (mode === 'path' && double) {
        i++;
        // `**/` may stand for no directory at all, so `**/.env` matches `.env` at the top too.
        if (glob[i + 1] === '/') {
          i++;
          source += '(?:.*/)?';
        } else {
          source += '.*';
        }
      } else {
        if (double) i++;
        source += mode === 'path' ? '[^/]*' : '.*';
      }
    } else if (char === '?') {
      source += mode === 'path' ? '[^/]' : '.';
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
      } else {
        const body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        source += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`;
        i = close;
      }
    } else {
      source += REGEX_SPECIAL.test(char) ? `\\${char}` : char;
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/** A set of globs tested as one: literal patterns go through a Set lookup, the rest through one regex. */
export class GlobSet {
  private readonly literals: Set<string>;
  private readonly combined: RegExp | undefined;

  constructor(
    readonly patterns: readonly string[],
    mode: GlobMode,
  ) {
    this.literals = new Set(patterns.filter((pattern) => !hasGlobMagic(pattern)));
    const globs = patterns.filter(hasGlobMagic).map((pattern) => globToRegExp(pattern, mode).source);
    this.combined =
      globs.length === 0 ? undefined : new RegExp(globs.map((source) => `(?:${source})`).join('|'), 's');
  }

  matches(subject: string): boolean {
    return this.literals.has(subject) || (this.combined?.test(subject) ?? false);
  }

  /** True when every pattern is a literal: the "literal over glob" half of rule specificity. */
  get isLiteral(): boolean {
    return this.combined === undefined;
  }
}
