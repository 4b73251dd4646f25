// Secrets followed through a command line and across a session: what each command receives (its own secret
// reads, files the session wrote from a secret, the output of the commands feeding it), what it writes on
// (a file written from a secret carries its classes), and so whether what it sends may hold a secret.
import type { ExternalityContext, SessionContext } from '../../schemas/guard.js';
import type { RuntimeFamily } from '../../schemas/observation.js';
import { withEnforceability } from './context.js';
import type { StaticCommand } from './line.js';

/** One simple command (or the single non-shell tool call) as rule conditions see it. */
export interface CommandFacts {
  program: string;
  subcommand: string;
  /** Option words as written (`-rf`, `--force`, `--dry-run=server`). */
  flags: string[];
  /** argv as one line: what `command.glob` and `command.regex` match. */
  text: string;
  context: ExternalityContext;
  labels: string[];
  /** Classes of the secrets it reads or receives. */
  data_classes: string[];
  reads: string[];
  writes: string[];
  /** What the line adds to the session's ancestry by the time this command runs: the labels and data classes
   * of every command of an earlier step and of the commands feeding it, and the secrets it receives. */
  line_ancestry: SessionContext;
}

export interface LineFlow {
  commands: CommandFacts[];
  /** Files the line writes from a secret, with its classes. */
  tainted_writes: Record<string, string[]>;
}

/** At most this many files a session remembers as holding a secret (the most recent kept). */
export const MAX_TAINTED_FILES = 256;

export function flowLine(
  statics: readonly StaticCommand[],
  session: SessionContext | undefined,
  family: RuntimeFamily,
): LineFlow {
  const tracked = new Map<string, Set<string>>(
    Object.entries(session?.tainted_files ?? {}).map(([path, classes]) => [path, new Set(classes)]),
  );
  const written = new Map<string, Set<string>>();
  const received: Array<{ classes: Set<string>; unknown: boolean; labels: Set<string> }> = [];
  const reads: Array<Set<string>> = [];
  const sent: Array<Set<string>> = [];
  for (const item of statics) {
    const { command } = item;
    const own = new Set(item.classes);
    for (const path of item.reads) for (const dataClass of tracked.get(path) ?? []) own.add(dataClass);
    reads[command.index] = own;
    const classes = new Set(own);
    const inherited = new Set<string>();
    let unknown = item.unknown;
    for (const input of command.inputs) {
      const from = received[input];
      if (from === undefined) continue;
      for (const dataClass of from.classes) classes.add(dataClass);
      for (const label of from.labels) inherited.add(label);
      for (const label of statics[input]?.labels ?? []) inherited.add(label);
      unknown ||= from.unknown;
    }
    // What it may send is what it reads and what reaches it; what it prints on top goes only downstream.
    sent[command.index] = new Set(classes);
    for (const dataClass of item.printed) classes.add(dataClass);
    received[command.index] = { classes, unknown, labels: inherited };
    if (classes.size === 0 || item.labels.includes('deletion')) continue;
    for (const path of item.writes) {
      const carried = tracked.get(path) ?? new Set<string>();
      for (const dataClass of classes) carried.add(dataClass);
      tracked.set(path, carried);
      written.set(path, carried);
    }
  }

  // What every step before each step leaves; and, for the conservative check below, what the steps up to and
  // including it hold.
  const steps = [...new Set(statics.map((item) => item.command.step))].sort((a, b) => a - b);
  const before = new Map<number, { labels: Set<string>; classes: Set<string> }>();
  const through = new Map<number, Set<string>>();
  let labels = new Set<string>();
  let classes = new Set<string>();
  for (const step of steps) {
    before.set(step, { labels, classes });
    labels = new Set(labels);
    classes = new Set(classes);
    for (const item of statics) {
      if (item.command.step !== step) continue;
      for (const label of item.labels) labels.add(label);
      for (const dataClass of received[item.command.index]?.classes ?? []) classes.add(dataClass);
    }
    through.set(step, classes);
  }

  const commands = statics.map((item): CommandFacts => {
    const index = item.command.index;
    const got = received[index] ?? {
      classes: new Set<string>(),
      unknown: item.unknown,
      labels: new Set<string>(),
    };
    const earlier = before.get(item.command.step) ?? {
      labels: new Set<string>(),
      classes: new Set<string>(),
    };
    const context = { ...item.context };
    if (item.egress && context.sensitive_payload !== 'yes') {
      // What reaches a network client may go out with it; a write out of a line that read a secret may carry
      // it through a file or a variable the guard does not follow.
      const lineHeld = (through.get(item.command.step)?.size ?? 0) > 0;
      if ((sent[index]?.size ?? 0) > 0 || (context.external_write === 'yes' && lineHeld))
        context.sensitive_payload = 'yes';
      else if (got.unknown && !item.unknown) context.sensitive_payload = 'unknown';
    }
    const ancestryLabels = new Set([...earlier.labels, ...got.labels]);
    const ancestryClasses = new Set([...earlier.classes, ...got.classes]);
    const itemLabels = new Set(item.labels);
    if ((reads[index]?.size ?? 0) > 0 || item.printed.length > 0) itemLabels.add('secret_read');
    return {
      program: item.program,
      subcommand: item.subcommand,
      flags: item.flags,
      text: item.command.text,
      context: withEnforceability(context, family),
      labels: [...itemLabels].sort(),
      data_classes: [...got.classes].sort(),
      reads: item.reads,
      writes: item.writes,
      line_ancestry: { labels: [...ancestryLabels].sort(), data_classes: [...ancestryClasses].sort() },
    };
  });
  return {
    commands,
    tainted_writes: Object.fromEntries([...written].map(([path, carried]) => [path, [...carried].sort()])),
  };
}

/** The session's tainted files after an action's writes, the most recent kept. */
export function mergeTaintedFiles(
  before: Readonly<Record<string, readonly string[]>>,
  writes: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const merged = new Map<string, string[]>(
    Object.entries(before).map(([path, classes]) => [path, [...classes]]),
  );
  for (const [path, classes] of Object.entries(writes)) {
    merged.delete(path);
    merged.set(path, [...classes]);
  }
  const kept = [...merged].slice(-MAX_TAINTED_FILES);
  return Object.fromEntries(kept);
}
