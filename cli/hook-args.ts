// `proofline hook`'s command line (the compatibility entry older hooks.json files name; `proofline init codex`
// writes bin/proofline-hook instead). It skips commander (about 13 ms to load) and parses its two flags with
// node:util; the same table feeds commander's `proofline hook --help`, so they cannot drift apart.
import { parseArgs } from 'node:util';

import { DEFAULT_SERVER_URL, ENV } from '../schemas/endpoints.js';

interface HookFlag {
  type: 'string';
  value: string;
  description: string;
}

export const HOOK_FLAGS: Record<string, HookFlag> = {
  url: {
    type: 'string',
    value: '<url>',
    description: `proofline server (default: $${ENV.url}, then ${DEFAULT_SERVER_URL})`,
  },
  token: { type: 'string', value: '<token>', description: `bearer token (default: $${ENV.token})` },
};

export interface HookArgs {
  url?: string;
  token?: string;
  /** The command line was wrong: the call still goes to the client, which denies tool calls. */
  problem?: string;
}

/** Never throws: a bad command line must still deny a tool call, not exit 1 (which Codex lets through). */
export function parseHookArgs(argv: string[]): HookArgs {
  try {
    const { values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(HOOK_FLAGS).map((name) => [name, { type: 'string' }])),
      strict: true,
    });
    return {
      url: (values.url as string | undefined) ?? process.env[ENV.url] ?? DEFAULT_SERVER_URL,
      token: (values.token as string | undefined) ?? process.env[ENV.token],
    };
  } catch (error) {
    return { problem: `${(error as Error).message}; denying tool calls` };
  }
}
