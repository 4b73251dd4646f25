// Whether a program that works on whole trees only reads the tree under a directory it is given. Codex's hook
// configuration is protected from change, not from being read (its content is no secret), so a search through
// the workspace, an archive made of it, a copy taken from it or a find over it passes over the workspace's
// .codex/; anything that could write, move, delete or run code there does not. Options are taken by allowlist
// (an option not listed may write or run something: `cp -t`, `rsync --remove-source-files`, `tar
// --checkpoint-action=exec=…`, `ack --pager`), and any word whose value is not known statically counts as one
// that would.
import { literalText, type Word } from './shell-words.js';

/** Each program's options that neither write outside its named output nor run anything. */
const SAFE_OPTIONS: Record<string, RegExp> = {
  // GNU grep has no option that writes a file or runs a program.
  grep: /^-/,
  egrep: /^-/,
  fgrep: /^-/,
  rg: /^-(?!-pre\b|-pre-glob\b)/,
  ag: /^-(?!-pager\b)/,
  ack: /^-(?!-pager\b)/,
  find: /^-(?!delete$|exec$|execdir$|ok$|okdir$|fprint$|fprint0$|fprintf$|fls$)/,
  cp: /^(-[rRaLPHpvdnu]+|--(recursive|archive|dereference|no-dereference|verbose|no-clobber|update|preserve(=.*)?))$/,
  rsync:
    /^(-[avrzhPlptgoDHAXRn]+|--(archive|verbose|recursive|compress|human-readable|progress|partial|dry-run|stats|(ex|in)clude=.*))$/,
  scp: /^-[rpqC346]+$/,
  // Creating or listing: c, t (never x), compression, the archive's name, verbosity, a directory to start in.
  tar: /^(-?[ctzjJvfphC]+|--(create|list|gzip|bzip2|xz|zstd|verbose|dereference|file=.*|directory=.*|(ex|in)clude=.*))$/,
  // Not -m (move into the archive: deletes the files) nor -T/-TT (test with a command).
  zip: /^(-[rqvyXD0-9]+|--(recurse-paths|quiet|verbose))$/,
};
/** The copies write into their last operand; every other operand is read. */
const COPIES = new Set(['cp', 'rsync', 'scp']);

export function readsTreeOnly(program: string, args: readonly Word[], operand: Word): boolean {
  const safe = SAFE_OPTIONS[program];
  if (safe === undefined) return false;
  const texts = args.map(literalText);
  if (texts.some((text) => text === undefined)) return false;
  const words = texts as string[];
  // A lone `-` is an operand (stdin or stdout), not an option.
  const options = words.filter(
    (text, i) => (text.startsWith('-') && text !== '-') || (program === 'tar' && i === 0),
  );
  if (!options.every((text) => safe.test(text))) return false;
  if (program === 'tar' && !options.some((text) => /^-?[A-Za-z]*[ct]|^--(create|list)$/.test(text)))
    return false;
  if (COPIES.has(program)) {
    const operands = args.filter((arg) => !literalText(arg)!.startsWith('-'));
    return operands.length > 1 && operands[operands.length - 1]!.raw !== operand.raw;
  }
  return true;
}
