#!/usr/bin/env node
// The `proofline` command. `proofline hook` runs before every tool call, so it takes a fast path that loads
// only the hook client; everything else goes through the commander program in commands.ts.
// Stages raise ProoflineErrors that carry their own exit code (the verifier's usage errors are 2, say).
import { exitCodeOf } from '../schemas/errors.js';

const args = process.argv.slice(2);
const isHookCall = args[0] === 'hook' && !args.includes('--help') && !args.includes('-h');

try {
  if (isHookCall) {
    const [{ parseHookArgs }, { runHook }] = await Promise.all([
      import('./hook-args.js'),
      import('../ingest/hook/command.js'),
    ]);
    process.exitCode = await runHook(parseHookArgs(args.slice(1)));
  } else {
    await (await import('./commands.js')).program.parseAsync(process.argv);
  }
} catch (error) {
  // One clear line, non-zero exit: internal stack traces are for --verbose logs, not for the operator.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`proofline: ${message}\n`);
  // Exit now: a command that failed to start may leave a client retrying in the background (a Kafka
  // connection, a timer), and a process that cannot do its job must not linger looking alive.
  process.exit(exitCodeOf(error));
}
