// Secrets never reach an observation, and sensitive content is stored as digests unless the operator opts in.
import { afterEach, expect, test } from 'vitest';

import { sha256Hex } from '../../schemas/digest.js';
import type { Observation } from '../../schemas/observation.js';
import { post, startReceiver, type RunningReceiver } from './helpers.js';

const GITHUB_TOKEN = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const COMMAND = `curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://api.github.com/user`;
const ARGUMENTS = JSON.stringify({ cmd: COMMAND, yield_time_ms: 2000 });
const OUTPUT = `token=${GITHUB_TOKEN}\n{"login":"dev"}`;
const PROMPT = `use my key sk-proj-${'Z'.repeat(30)} please`;

function codexLogs(): string {
  const attrs = (entries: Record<string, string>) =>
    Object.entries(entries).map(([key, stringValue]) => ({ key, value: { stringValue } }));
  const common = { 'conversation.id': 'conv-redact', 'event.timestamp': '2026-11-21T04:35:21.629Z' };
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: attrs({ 'service.name': 'codex_exec' }) },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: '0',
                body: null,
                attributes: attrs({ ...common, 'event.name': 'codex.user_prompt', prompt: PROMPT }),
              },
              {
                timeUnixNano: '0',
                attributes: attrs({
                  ...common,
                  'event.name': 'codex.tool_result',
                  call_id: 'call_redact',
                  tool_name: 'exec_command',
                  success: 'true',
                  arguments: ARGUMENTS,
                  output: OUTPUT,
                  'auth.header': `GITHUB_TOKEN=${GITHUB_TOKEN}`,
                }),
              },
            ],
          },
        ],
      },
    ],
  });
}

let receiver: RunningReceiver;
afterEach(async () => receiver.close());

async function ingest(storeContent: boolean): Promise<Record<string, Observation>> {
  receiver = await startReceiver({ storeContent });
  expect(
    (await post(`${receiver.url}/v1/logs`, codexLogs(), { 'content-type': 'application/json' })).status,
  ).toBe(200);
  return Object.fromEntries(receiver.publisher.observations.map((o) => [o.name, o]));
}

test('by default: content as sha256 + length only, secrets redacted everywhere', async () => {
  const { 'codex.tool_result': result, 'codex.user_prompt': prompt } = await ingest(false);
  expect(JSON.stringify(receiver.publisher.observations)).not.toContain(GITHUB_TOKEN);
  expect(JSON.stringify(receiver.publisher.observations)).not.toContain('sk-proj-');
  expect(result!.attrs['auth.header']).toBe('GITHUB_TOKEN=[REDACTED:assignment]');
  expect(result!.attrs).toMatchObject({
    'arguments.sha256': sha256Hex(ARGUMENTS),
    'arguments.length': ARGUMENTS.length,
    'output.sha256': sha256Hex(OUTPUT),
    'output.length': OUTPUT.length,
    // Digests are over the original text, so the hook's copy of the same command joins.
    'proofline.input.digest': sha256Hex(COMMAND),
    'proofline.output.digest': sha256Hex(OUTPUT),
  });
  expect(result!.attrs).not.toHaveProperty('arguments');
  expect(result!.attrs).not.toHaveProperty('output');
  expect(prompt!.attrs).toMatchObject({ 'prompt.sha256': sha256Hex(PROMPT), 'prompt.length': PROMPT.length });
  expect(prompt!.attrs).not.toHaveProperty('prompt');
  expect(prompt!.payload_digest).toBe(sha256Hex(PROMPT));
});

test('with storeContent: redacted text beside the same digests', async () => {
  const { 'codex.tool_result': result, 'codex.user_prompt': prompt } = await ingest(true);
  expect(JSON.stringify(receiver.publisher.observations)).not.toContain(GITHUB_TOKEN);
  expect(result!.attrs.arguments).toContain('Bearer [REDACTED:');
  expect(result!.attrs.output).toMatch(/^token=\[REDACTED:/);
  expect(result!.attrs['arguments.sha256']).toBe(sha256Hex(ARGUMENTS));
  expect(prompt!.attrs.prompt).toBe('use my key [REDACTED:openai_key] please');
});
