// `proofline hook` runs before every tool call, so it skips commander (about 13 ms to load) and parses its few
// flags with node:util. The same table feeds commander's `proofline hook --help`, so they cannot drift apart.
import { parseArgs } from 'node:util';

import type { HookCommandOptions } from '../ingest/hook/command.js';
import { DEFAULT_SERVER_URL, ENV } from '../schemas/endpoints.js';

interface HookFlag {
  type: 'string' | 'boolean';
  value?: string;
  description: string;
}

export const HOOK_FLAGS: Record<string, HookFlag> = {
  url: {
    type: 'string',
    value: '<url>',
    description: `proofline server (default: $${ENV.url}, then ${DEFAULT_SERVER_URL})`,
  },
  token: { type: 'string', value: '<token>', description: `bearer token (default: $${ENV.token})` },
  'fail-open': {
    type: 'boolean',
    description: 'allow tool calls when the server cannot be reached (default: deny)',
  },
  'timeout-ms': {
    type: 'string',
    value: '<ms>',
    description: 'give up on the server after this long (default: 5000)',
  },
};

/** Never throws: a bad command line still reads the hook event and fails closed on guarded events. */
export function parseHookArgs(argv: string[]): HookCommandOptions {
  try {
    return readHookArgs(argv);
  } catch (error) {
    return { url: '', failOpen: false, timeoutMs: 0, misconfigured: (error as Error).message };
  }
}

function readHookArgs(argv: string[]): HookCommandOptions {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.entries(HOOK_FLAGS).map(([name, flag]) => [name, { type: flag.type }]),
    ),
    strict: true,
  });
  const timeoutMs = Number(values['timeout-ms'] ?? 5_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new Error('--timeout-ms must be a positive integer');
  return {
    url: (values.url as string | undefined) ?? process.env[ENV.url] ?? DEFAULT_SERVER_URL,
    token: (values.token as string | undefined) ?? process.env[ENV.token],
    failOpen: values['fail-open'] === true,
    timeoutMs,
  };
}
