// getopt-style reading of a command's arguments, so `curl -sSd@.env`, `--data=@.env` and `-d @.env` are the
// same fact. Each program names the options that take a value; everything else is a flag or an operand.
import type { ShellWord } from './simple-command.js';

export interface ParsedArgs {
  /** Option → its values in order (`''` for a flag). Long options keep `--`, short ones keep `-`. */
  options: Map<string, string[]>;
  operands: ShellWord[];
  /** The option words as written, for `flags:` conditions (`-rf` stays `-rf`). */
  flagWords: string[];
}

export function parseArgs(words: readonly ShellWord[], valueOptions: ReadonlySet<string>): ParsedArgs {
  const parsed: ParsedArgs = { options: new Map(), operands: [], flagWords: [] };
  const add = (name: string, value: string): void => {
    const values = parsed.options.get(name);
    if (values) values.push(value);
    else parsed.options.set(name, [value]);
  };
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as ShellWord;
    const text = word.text;
    if (text === '--') {
      parsed.operands.push(...words.slice(index + 1));
      break;
    }
    if (!word.literal || !text.startsWith('-') || text === '-') {
      parsed.operands.push(word);
      continue;
    }
    parsed.flagWords.push(text);
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      if (eq !== -1) add(text.slice(0, eq), text.slice(eq + 1));
      else if (valueOptions.has(text)) add(text, words[++index]?.text ?? '');
      else add(text, '');
      continue;
    }
    // Single-dash long options (`-chdir=dir`, `-auto-approve`) are whole words for the programs that use them.
    if (valueOptions.has(text)) {
      add(text, words[++index]?.text ?? '');
      continue;
    }
    for (let at = 1; at < text.length; at++) {
      const name = `-${text[at]}`;
      if (valueOptions.has(name)) {
        const attached = text.slice(at + 1);
        add(name, attached !== '' ? attached : (words[++index]?.text ?? ''));
        break;
      }
      add(name, '');
    }
  }
  return parsed;
}

export function hasOption(args: ParsedArgs, ...names: string[]): boolean {
  return names.some((name) => args.options.has(name));
}

export function optionValues(args: ParsedArgs, ...names: string[]): string[] {
  return names.flatMap((name) => args.options.get(name) ?? []);
}
