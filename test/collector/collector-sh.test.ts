// The Collector distribution and its script: the binary built from deploy/collector/builder-config.yaml holds
// what the recipes use, at one release line; `otelcol validate` passes on every config shipped beside it and
// fails on a broken one; the shipped configs listen on loopback only; the script's start/status/stop report
// what a caller needs and fail clearly.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { freePort } from '../kafka/broker.js';
import { COLLECTOR_CONFIGS, COLLECTOR_DIR, collectorBinary } from './support.js';

const run = promisify(execFile);
const SCRIPT = join(COLLECTOR_DIR, 'collector.sh');

/** Every Collector config shipped in deploy/collector/ (the builder's own config is not one). */
const SHIPPED = readdirSync(COLLECTOR_DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'builder-config.yaml')
  .map((f) => join(COLLECTOR_DIR, f));

let binary: string;
const scratch: string[] = [];
/** A temporary directory, removed after the tests. */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  binary = await collectorBinary();
}, 900_000);

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Exit code and output of a command that may fail. */
async function attempt(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? -1, stdout, stderr };
  }
}

describe('the Collector distribution', () => {
  it('holds the OTLP receiver, batch processor, Kafka and OTLP/HTTP exporters and health check, at one release', async () => {
    const { stdout } = await run(binary, ['components']);
    const components = parse(stdout) as Record<string, { name: string; module: string }[] | undefined>;
    const names = (kind: string) => (components[kind] ?? []).map((c) => c.name).sort();
    expect(names('receivers')).toEqual(['otlp']);
    expect(names('processors')).toEqual(['batch']);
    expect(names('exporters')).toEqual(['kafka', 'otlp_http']);
    expect(names('extensions')).toEqual(['health_check']);
    // Core v0.165.0 (its stable modules v1.71.0) and contrib v0.165.1: one release line.
    for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'providers'])
      for (const { module } of components[kind] ?? [])
        expect(module, module).toMatch(
          /^(go\.opentelemetry\.io\/collector\/\S+ v(0\.165\.0|1\.71\.0)|github\.com\/open-telemetry\/opentelemetry-collector-contrib\/\S+ v0\.165\.1)$/,
        );
  });

  it.each(SHIPPED.map((f) => [f.split('/').at(-1)!, f]))('otelcol validate passes on %s', async (_, file) => {
    const { code, stderr } = await attempt(binary, ['validate', '--config', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('otelcol validate passes with the settings the recipes pass through the environment', async () => {
    const env = {
      PROOFLINE_KAFKA_BROKERS: '127.0.0.1:19092,127.0.0.1:19093',
      PROOFLINE_COLLECTOR_ENCODING: 'otlp_json',
      PROOFLINE_URL: 'http://127.0.0.1:4319',
      PROOFLINE_TOKEN: 'a-token',
    };
    for (const file of Object.values(COLLECTOR_CONFIGS))
      expect((await attempt(binary, ['validate', '--config', file], env)).code, file).toBe(0);
  });

  it('otelcol validate fails on a config the Collector would not run', async () => {
    const broken = join(await tempDir('proofline-otelcol-config-'), 'broken.yaml');
    const config = parse(await readFile(COLLECTOR_CONFIGS.kafka, 'utf8')) as {
      exporters: { kafka: Record<string, unknown> };
    };
    config.exporters.kafka.partition_logs_by_trace_id = true; // exclusive with partition by resource
    await writeFile(broken, JSON.stringify(config));
    const { code, stderr } = await attempt(binary, ['validate', '--config', broken]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('partition_logs_by_resource_attributes and partition_logs_by_trace_id');
  });

  it('the shipped configs listen on loopback only', async () => {
    for (const file of SHIPPED) {
      const text = await readFile(file, 'utf8');
      const endpoints = [...text.matchAll(/^\s+endpoint: \$\{env:PROOFLINE_OTELCOL_\w+:-([^}]+)\}$/gm)];
      expect(endpoints.length, file).toBe(3); // OTLP/gRPC, OTLP/HTTP, health check
      for (const [, fallback] of endpoints) expect(fallback, file).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(text, file).toMatch(/prometheus:\n\s+host: 127\.0\.0\.1\n/);
    }
  });
});

describe('collector.sh', () => {
  it('starts once per port, prints only the URL, reports status, and stops', async () => {
    const port = String(await freePort());
    const env = { PROOFLINE_OTELCOL_STATE: await tempDir('proofline-otelcol-sh-') };
    const args = ['--port', port, '--config', COLLECTOR_CONFIGS.otlphttp];
    const first = await attempt('bash', [SCRIPT, 'start', ...args], env);
    expect(first).toMatchObject({ code: 0, stdout: `http://127.0.0.1:${port}\n` });
    const again = await attempt('bash', [SCRIPT, 'start', ...args], env);
    expect(again).toMatchObject({ code: 0, stdout: `http://127.0.0.1:${port}\n` });
    expect(again.stderr).toContain('already running');
    expect((await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST' })).status).not.toBe(404);
    expect(await attempt('bash', [SCRIPT, 'status', '--port', port], env)).toMatchObject({ code: 0 });
    expect(await attempt('bash', [SCRIPT, 'stop', '--port', port], env)).toMatchObject({
      code: 0,
      stdout: 'stopped\n',
    });
    expect(await attempt('bash', [SCRIPT, 'status', '--port', port], env)).toMatchObject({
      code: 1,
      stdout: 'not running\n',
    });
  });

  it('fails clearly on a missing config and on a Collector that cannot start', async () => {
    const missing = await attempt('bash', [SCRIPT, 'start', '--config', '/nonexistent.yaml']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no such config: /nonexistent.yaml');

    const port = String(await freePort());
    const env = {
      PROOFLINE_OTELCOL_STATE: await tempDir('proofline-otelcol-sh-'),
      PROOFLINE_COLLECTOR_ENCODING: 'otlp_xml', // no such encoding: found when the exporter starts
    };
    const failed = await attempt(
      'bash',
      [SCRIPT, 'start', '--port', port, '--config', COLLECTOR_CONFIGS.kafka],
      env,
    );
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('the Collector exited during startup');
    expect(failed.stderr).toContain('otlp_xml');
  });
});
