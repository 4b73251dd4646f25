// Whether a shell word could name one of proofline's protected paths, resolved the way the shell would:
// `~` and $HOME to the agent's home, relative words against the command's directory (as `cd` moved it), `.`
// and `..`, symlinks where the path exists, globs and braces as patterns, and variables assigned in the same
// command line by their values. What cannot be known statically (a command substitution, an unknown
// variable, a directory changed to an unknown place) is a wildcard that may span directories.
import { realpathSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';

import type { Word, WordPart } from './shell-words.js';

export interface ProtectedPath {
  /** Absolute, normalized (and real, when it exists). */
  path: string;
  dir: boolean;
  /** What it is, for the deny reason ("the signing key directory"). */
  what: string;
  /** Only changing it is the harm (Codex's hook configuration): its content is no secret, so a search that
   * merely reads through a directory holding it does not touch it. Absent: reading it is harm enough. */
  changesOnly?: true;
}

export interface PathScope {
  home: string;
  /** The directory relative words start from; undefined when it cannot be known. */
  cwd: string | undefined;
  /** Known variables: HOME, PWD, CODEX_HOME, and those the command line assigns (each to all its values). */
  vars: ReadonlyMap<string, readonly Word[]>;
}

/** `names`: the word is the path; `within`: something inside it; `ancestor`: a directory holding it. */
export type Relation = 'names' | 'within' | 'ancestor';

export interface PathHit {
  target: ProtectedPath;
  relation: Relation;
  /** Some literal part of the word matched a part of the protected path (not only wildcards). */
  literal: boolean;
  /** The word has no literal content at all (`$f`, `"$@"`, `$(…)`). */
  opaque: boolean;
  /** The word's value is fully known (no unknown stretch): the hit is certain, not only possible. */
  concrete: boolean;
}

/** One possible value of a word: characters (`glob` when unquoted and special) or an unknown stretch. */
type Atom = { ch: string; glob: boolean } | { any: true };
/** A path segment; `wild` when it holds an unknown stretch (which may span segments). */
interface Segment {
  atoms: Atom[];
  wild: boolean;
  literal: boolean;
}

const MAX_ALTERNATIVES = 64;

/** Every protected path the word could name, contain or (as a directory) hold. */
export function pathHits(word: Word, scope: PathScope, targets: readonly ProtectedPath[]): PathHit[] {
  const hits: PathHit[] = [];
  for (const atoms of alternatives(word.parts, scope, 0)) {
    const segments = resolve(atoms, scope);
    const opaque = !atoms.some((a) => 'ch' in a && !a.glob && a.ch !== '/' && a.ch !== '.');
    const concrete = !segments.some((s) => s.wild);
    for (const target of targets) {
      const found = relate(segments, target);
      if (found) hits.push({ target, ...found, opaque, concrete });
    }
  }
  return hits;
}

function alternatives(parts: readonly WordPart[], scope: PathScope, depth: number): Atom[][] {
  let results: Atom[][] = [[]];
  parts.forEach((part, index) => {
    let options: Atom[][];
    if (part.kind === 'lit') {
      const text =
        index === 0 && !part.quoted && part.text.startsWith('~') ? expandTilde(part.text, scope) : undefined;
      options =
        text !== undefined
          ? [literalAtoms(text)]
          : braceExpand(part.text, part.quoted).map((t) => atomsOf(t, part.quoted));
    } else if (part.kind === 'tilde') {
      options = [part.user === '' ? literalAtoms(scope.home) : [{ any: true }]];
    } else if (part.kind === 'var') {
      const values = scope.vars.get(part.name);
      options =
        values === undefined || depth > 3
          ? [[{ any: true }]]
          : values.flatMap((value) => alternatives(value.parts, scope, depth + 1));
    } else {
      options = [[{ any: true }]];
    }
    const next: Atom[][] = [];
    for (const head of results)
      for (const tail of options) if (next.length < MAX_ALTERNATIVES) next.push([...head, ...tail]);
    results = next;
  });
  return results;
}

function expandTilde(text: string, scope: PathScope): string | undefined {
  const match = /^~([A-Za-z0-9_.-]*)(\/.*)?$/s.exec(text);
  if (!match || match[1] !== '') return undefined;
  return `${scope.home}${match[2] ?? ''}`;
}

function literalAtoms(text: string): Atom[] {
  return [...text].map((ch) => ({ ch, glob: false }));
}

function atomsOf(text: string, quoted: boolean): Atom[] {
  return [...text].map((ch) => ({
    ch,
    glob: !quoted && (ch === '*' || ch === '?' || ch === '[' || ch === ']'),
  }));
}

/** `a{b,c}d` → abd, acd (unquoted text only; no nesting across parts). */
function braceExpand(text: string, quoted: boolean): string[] {
  if (quoted) return [text];
  const match = /\{([^{}]*,[^{}]*)\}/.exec(text);
  if (!match) return [text];
  const head = text.slice(0, match.index);
  const tail = text.slice(match.index + match[0].length);
  return match[1]!
    .split(',')
    .flatMap((choice) => braceExpand(`${head}${choice}${tail}`, false))
    .slice(0, MAX_ALTERNATIVES);
}

/** The word as absolute path segments, `.`/`..` applied where the segment before is known. */
function resolve(atoms: Atom[], scope: PathScope): Segment[] {
  const split: Atom[][] = [[]];
  for (const atom of atoms) {
    if ('ch' in atom && atom.ch === '/' && !atom.glob) split.push([]);
    else split[split.length - 1]!.push(atom);
  }
  const absolute = split.length > 1 && split[0]!.length === 0;
  const relativeTo = absolute
    ? []
    : scope.cwd === undefined
      ? [{ atoms: [{ any: true }], wild: true, literal: false } as Segment]
      : realSegments(scope.cwd).map((s) => ({ ...s, literal: false }));
  const segments: Segment[] = [...relativeTo];
  for (const atomsOfSegment of absolute ? split.slice(1) : split) {
    const text = atomsOfSegment.every((a) => 'ch' in a && !a.glob)
      ? atomsOfSegment.map((a) => ('ch' in a ? a.ch : '')).join('')
      : undefined;
    if (text === '' || text === '.') continue;
    if (text === '..') {
      if (segments.length > 0 && !segments[segments.length - 1]!.wild) segments.pop();
      continue;
    }
    const wild = atomsOfSegment.some((a) => 'any' in a);
    const literal = atomsOfSegment.some((a) => 'ch' in a && !a.glob && a.ch !== '.');
    segments.push({ atoms: atomsOfSegment, wild, literal });
  }
  return realPrefix(segments);
}

/** A word whose known leading segments exist on disk is taken through their symlinks. */
function realPrefix(segments: Segment[]): Segment[] {
  const plain = segments.findIndex((s) => s.wild || s.atoms.some((a) => 'ch' in a && a.glob));
  const known = plain < 0 ? segments.length : plain;
  for (let n = known; n > 0; n -= 1) {
    const path = `/${segments
      .slice(0, n)
      .map((s) => s.atoms.map((a) => ('ch' in a ? a.ch : '')).join(''))
      .join('/')}`;
    const literal = segments.slice(0, n).some((s) => s.literal);
    try {
      const real = realSegments(realpathSync(path)).map((s) => ({ ...s, literal }));
      return [...real, ...segments.slice(n)];
    } catch {
      // does not exist (yet): try a shorter prefix
    }
  }
  return segments;
}

function realSegments(path: string): Segment[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => ({ atoms: literalAtoms(s), wild: false, literal: true }));
}

/** The closest relation between the word's segments and the protected path's, if any is possible. */
function relate(
  word: Segment[],
  target: ProtectedPath,
): { relation: Relation; literal: boolean } | undefined {
  const path = target.path.split('/').filter((s) => s !== '');
  const found: Array<{ relation: Relation; literal: boolean }> = [];
  const seen = new Set<string>();
  const walk = (i: number, j: number, literal: boolean): void => {
    const key = `${i},${j},${literal}`;
    if (seen.has(key) || found.length > 8) return;
    seen.add(key);
    if (i === word.length) {
      found.push({ relation: j === path.length ? 'names' : 'ancestor', literal });
      return;
    }
    const segment = word[i]!;
    if (segment.wild) {
      // An unknown stretch: no segment, or any number of them.
      walk(i + 1, j, literal);
      if (j < path.length) {
        walk(i, j + 1, literal);
        walk(i + 1, j + 1, literal);
      } else if (target.dir) found.push({ relation: 'within', literal });
      return;
    }
    // More of the word remains past the target: something inside it, which only a directory has.
    if (j === path.length) {
      if (target.dir) found.push({ relation: 'within', literal });
      return;
    }
    if (segmentPattern(segment).test(path[j]!)) walk(i + 1, j + 1, literal || segment.literal);
  };
  walk(0, 0, false);
  const rank: Record<Relation, number> = { names: 0, within: 1, ancestor: 2 };
  found.sort((a, b) => rank[a.relation] - rank[b.relation] || Number(b.literal) - Number(a.literal));
  return found[0];
}

function segmentPattern(segment: Segment): RegExp {
  let source = '';
  let inClass = false;
  for (const atom of segment.atoms) {
    if (!('ch' in atom)) continue;
    if (atom.glob && atom.ch === '*') source += '.*';
    else if (atom.glob && atom.ch === '?') source += '.';
    else if (atom.glob && atom.ch === '[') {
      source += '[';
      inClass = true;
    } else if (atom.glob && atom.ch === ']' && inClass) {
      source += ']';
      inClass = false;
    } else source += inClass && atom.ch === '!' ? '^' : atom.ch.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  }
  if (inClass) source = source.replace(/\[([^[]*)$/, '\\[$1');
  try {
    return new RegExp(`^${source}$`, 's');
  } catch {
    return /^.*$/s;
  }
}

/** `path` absolute and normalized, through symlinks when it exists. */
export function canonicalPath(path: string, base: string): string {
  const absolute = normalize(isAbsolute(path) ? path : join(base, path));
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}
