// What the shell parser hands the classifier: the simple commands a command line runs, in the order they run,
// with the ways data flows between them (pipes, `$(…)`, variables, here-documents). Its own module so the
// parser (shell.ts) and the wrapper peeling (wrappers.ts) share the shapes without importing each other.

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
  /** The file (or, for `dup`, the descriptor) redirected to; the text itself for a here-document or -string. */
  target: ShellWord | undefined;
}

export interface SimpleCommand {
  /** Position in ParsedLine.commands: the order the commands start in. */
  index: number;
  /** The program and its arguments, with wrappers removed; argv[0] is the program. Empty for a bare
   * redirection (`> out`, `{ …; } > out`). */
  argv: ShellWord[];
  /** `NAME=value` prefixes, including those given through `env`. */
  assignments: Record<string, ShellWord>;
  redirects: ShellRedirect[];
  /** Wrappers it ran under, outermost first (`sudo`, `xargs`, `bash -c`). */
  wrappers: string[];
  /** The command runs code the parser cannot see: `bash -c "$X"`, `eval "$X"`, `bash script.sh`, `… | sh`. */
  opaque: boolean;
  /** `xargs` appends arguments read from stdin: argv is incomplete. */
  openArgv: boolean;
  /** Offsets refer to the original command line (false for commands found inside `bash -c '…'`). */
  topLevel: boolean;
  /** Commands of one step may exchange data (a pipeline, a loop); a later step runs after every earlier one. */
  step: number;
  /** Commands whose output reaches this one: through its stdin, a `$(…)` in its words, a variable set from one. */
  inputs: number[];
  /** The subset of `inputs` that arrives on stdin. */
  stdinFrom: number[];
  /** What arrives on stdin when the line itself spells it out: a here-document, a here-string, `echo … |`,
   * `… | base64 -d |`. */
  stdinText?: ShellWord;
  /** argv as one line, words separated by single spaces: what `command.glob` and `command.regex` match. */
  text: string;
}

export interface ParsedLine {
  commands: SimpleCommand[];
}
