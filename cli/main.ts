#!/usr/bin/env node
// The `proofline` command. `proofline hook` (the compatibility entry for hooks.json files older than
// `proofline init codex`) takes a fast path that loads only what hands the call to bin/proofline-hook;
// everything else goes through the commander program in commands.ts.
// Stages raise ProoflineErrors that carry their own exit code (the verifier's usage errors are 2, say).
import { exitCodeOf } from '../schemas/errors.js';

const args = process.argv.slice(2);
const isHookCall = args[0] === 'hook' && !args.includes('--help') && !args.includes('-h');

try {
  if (isHookCall) {
    const [{ parseHookArgs }, { runHookCompat }] = await Promise.all([
      import('./hook-args.js'),
      import('../service/hook-client.js'),
    ]);
    process.exitCode = await runHookCompat(parseHookArgs(args.slice(1)));
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
