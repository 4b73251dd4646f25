// Whether a program that works on whole trees only reads the tree under a directory it is given. Codex's hook
// configuration is protected from change, not from being read (its content is no secret), so a search through
// the workspace, an archive made of it, a copy taken from it or a find over it passes over the workspace's
// .codex/; anything that could write, move, delete or run code there does not. Any word whose value is not
// known statically counts as the flag that would make it write.
import { literalText, type Word } from './shell-words.js';

const SEARCHES = new Set(['grep', 'egrep', 'fgrep', 'ag', 'ack']);
/** find's actions that change files or run a program (or write a file of its own choosing). */
const FIND_ACTIONS = /^-(delete|exec|execdir|ok|okdir|fprint|fprint0|fprintf|fls)$/;

export function readsTreeOnly(program: string, args: readonly Word[], operand: Word): boolean {
  const texts = args.map(literalText);
  if (texts.some((text) => text === undefined)) return false;
  const known = texts as string[];
  if (SEARCHES.has(program)) return true;
  switch (program) {
    case 'rg':
      return !known.some((text) => /^--pre\b/.test(text));
    case 'find':
      return !known.some((text) => FIND_ACTIONS.test(text));
    case 'cp':
    case 'rsync':
    case 'scp': {
      // The destination is written into; every other operand is read.
      const operands = args.filter((arg) => !literalText(arg)!.startsWith('-'));
      return operands.length > 1 && operands[operands.length - 1]!.raw !== operand.raw;
    }
    case 'tar':
      return tarOnlyReads(known);
    case 'zip':
      // -m moves the files into the archive: it deletes them.
      return !known.some((text) => text === '--move' || /^-[A-Za-z]*m/.test(text));
    default:
      return false;
  }
}

/** tar creating or listing an archive (`tar czf out.tgz .`, `tar -c -f -`, `tar tf x.tar`), never extracting,
 * deleting members or removing the files it archived. */
function tarOnlyReads(args: readonly string[]): boolean {
  if (args.some((text) => /^--(extract|get|delete|remove-files)$/.test(text))) return false;
  // Short modes: bundled in the first word (`czf`, `-czf`) or given one by one (`-c -z -f`).
  const letters = args
    .filter((text, i) => /^-[A-Za-z]+$/.test(text) || (i === 0 && /^[A-Za-z]+$/.test(text)))
    .join('')
    .replace(/-/g, '');
  if (letters.includes('x')) return false;
  return /[ct]/.test(letters) || args.some((text) => text === '--create' || text === '--list');
}
