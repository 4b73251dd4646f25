// Configuring serve, ingest and assemble the usual way, through the real `proofline` command: a YAML config
// file whose keys are the flags (schema-checked, errors at file:line:col), a PROOFLINE_* variable for every
// flag, precedence flag > env > file > default as `--print-config` shows it, the token from a mode-checked file
// and never printed, and a real server that runs on what the file and the environment say.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServe } from '../../harness/codex/proofline-serve.js';
import { loadGuard } from '../../policy/load.js';
import { approverEntry } from '../../schemas/approvers.js';
import { configFileSchema } from '../../cli/config-file.js';
import { envOf, flagOf, settingsOf, type CommandName, type SettingName } from '../../cli/settings.js';
import { CLI } from '../hook/support.js';
import { makeTestCerts, type TestCerts } from '../tls/certs.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `proofline <args>` with none of the caller's PROOFLINE_* variables, only `env`'s. */
function proofline(args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Run> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('PROOFLINE_')),
  );
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...base, ...env }, cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** `--print-config`'s line for a key: its value and where it came from. */
function line(output: string, key: string): { value: string; origin: string } | undefined {
  const match = new RegExp(`^${key}: (.*?)\\s+# (.*)$`, 'm').exec(output);
  return match ? { value: match[1]!, origin: match[2]! } : undefined;
}

let dir: string;
let certs: TestCerts;
let approvers: string;
let policy: string;
let n = 0;
const file = (text: string, mode = 0o644): string => {
  const path = join(dir, `config-${++n}.yaml`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
};
const secret = (text: string, mode = 0o600): string => {
  const path = join(dir, `secret-${++n}`);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-config-'));
  certs = makeTestCerts(dir);
  approvers = join(dir, 'approvers.json');
  writeFileSync(
    approvers,
    JSON.stringify({ approvers: [approverEntry('lead', generateKeyPairSync('ed25519').publicKey)] }),
  );
  policy = join(dir, 'rules.yaml');
  writeFileSync(policy, 'version: 1\nrules:\n  - id: no-rm\n    command: "rm *"\n    decision: deny\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid value for every setting, as the file holds it (the environment and flags take its text). */
function sample(name: SettingName): string | number | boolean {
  const values: Record<SettingName, string | number | boolean> = {
    host: '0.0.0.0',
    port: 4401,
    token: 'sample-token',
    tokenFile: '',
    policy,
    approvers,
    storeContent: true,
    maxBody: 2048,
    tlsCert: certs.cert,
    tlsKey: certs.key,
    data: join(dir, 'data'),
    settleMs: 1234,
    idleTimeoutMs: 5678,
    witness: join(dir, 'witness'),
    allowInsecureKey: true,
    statusPort: 4409,
    kafka: 'broker-a:9092,broker-b:9092',
    topicPrefix: 'pl',
    maxRecordBytes: 5000,
    group: 'assemblers-x',
    fromKafka: 'logs-x,spans-x',
    collectorGroup: 'collector-x',
    collectorEncoding: 'otlp_json',
  };
  return values[name];
}

const COMMANDS: CommandName[] = ['serve', 'ingest', 'assemble'];
// The token file is the token written another way; it has its own tests below.
const plain = (command: CommandName) => settingsOf(command).filter((name) => name !== 'tokenFile');

describe('precedence: flag > env > file > default', () => {
  it('port, set at each level in turn, is taken from the highest one', async () => {
    const config = file('port: 4401\n');
    const cases: [string[], Record<string, string>, string, string][] = [
      [[], {}, '4318', 'default'],
      [['--config', config], {}, '4401', `file ${config}:1:7`],
      [['--config', config], { PROOFLINE_PORT: '4402' }, '4402', 'env PROOFLINE_PORT'],
      [['--config', config, '--port', '4403'], { PROOFLINE_PORT: '4402' }, '4403', 'flag'],
    ];
    for (const [args, env, value, origin] of cases) {
      const run = await proofline(['serve', ...args, '--print-config'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(line(run.stdout, 'port')).toEqual({ value, origin });
    }
  });

  it.each(COMMANDS)('every setting of %s comes from its PROOFLINE_* variable', async (command) => {
    const env = Object.fromEntries(plain(command).map((name) => [envOf(name), String(sample(name))]));
    const run = await proofline([command, '--print-config'], env);
    expect(run.code, run.stderr).toBe(0);
    for (const name of plain(command)) {
      const shown = line(run.stdout, flagOf(name));
      expect(shown?.origin, flagOf(name)).toBe(`env ${envOf(name)}`);
      if (name !== 'token') expect(shown?.value).toBe(String(sample(name)));
    }
  });

  it.each(COMMANDS)('every setting of %s comes from the config file, at its line', async (command) => {
    const names = plain(command);
    const text = names.map((name) => `${flagOf(name)}: ${JSON.stringify(sample(name))}\n`).join('');
    const config = file(text, 0o600);
    const run = await proofline([command, '--config', config, '--print-config']);
    expect(run.code, run.stderr).toBe(0);
    names.forEach((name, index) => {
      const shown = line(run.stdout, flagOf(name));
      expect(shown?.origin, flagOf(name)).toBe(`file ${config}:${index + 1}:${flagOf(name).length + 3}`);
      if (name !== 'token') expect(shown?.value).toBe(String(sample(name)));
    });
  });

  it('every flag sets its setting over both', async () => {
    const config = file('settle-ms: 1\nidle-timeout-ms: 2\ndata: from-file\n');
    const run = await proofline(
      ['serve', '--config', config, '--settle-ms', '30', '--data', 'from-flag', '--print-config'],
      { PROOFLINE_SETTLE_MS: '20', PROOFLINE_IDLE_TIMEOUT_MS: '21' },
    );
    expect(line(run.stdout, 'settle-ms')).toEqual({ value: '30', origin: 'flag' });
    expect(line(run.stdout, 'idle-timeout-ms')).toEqual({
      value: '21',
      origin: 'env PROOFLINE_IDLE_TIMEOUT_MS',
    });
    expect(line(run.stdout, 'data')).toEqual({ value: 'from-flag', origin: 'flag' });
  });

  it('PROOFLINE_CONFIG names the file; --config beats it', async () => {
    const a = file('port: 5001\n');
    const b = file('port: 5002\n');
    expect(
      line((await proofline(['serve', '--print-config'], { PROOFLINE_CONFIG: a })).stdout, 'port')?.value,
    ).toBe('5001');
    const both = await proofline(['serve', '--config', b, '--print-config'], { PROOFLINE_CONFIG: a });
    expect(line(both.stdout, 'port')?.value).toBe('5002');
    expect(both.stdout).toContain(`# config file: ${b}`);
  });

  it('a switch from the environment can say false (a set variable is not "true")', async () => {
    const config = file('store-content: true\n');
    const run = await proofline(['serve', '--config', config, '--print-config'], {
      PROOFLINE_STORE_CONTENT: 'false',
    });
    expect(line(run.stdout, 'store-content')).toEqual({
      value: 'false',
      origin: 'env PROOFLINE_STORE_CONTENT',
    });
  });

  it('paths in the file are relative to the file; keys of the other commands are listed as ignored', async () => {
    mkdirSync(join(dir, 'etc'), { recursive: true });
    const config = join(dir, 'etc', 'proofline.yaml');
    writeFileSync(config, 'policy: policy.yaml\ndata: ../var/proofline\nfrom-kafka: a,b\n');
    const run = await proofline(['serve', '--config', config, '--print-config'], {}, tmpdir());
    expect(line(run.stdout, 'policy')?.value).toBe(join(dir, 'etc', 'policy.yaml'));
    expect(line(run.stdout, 'data')?.value).toBe(join(dir, 'var', 'proofline'));
    expect(run.stdout).toMatch(/^# ignored here \(settings of other commands\): from-kafka$/m);
  });

  it('ingest and assemble take their required Kafka brokers from the file too', async () => {
    const config = file('kafka: k1:9092\n');
    for (const command of ['ingest', 'assemble']) {
      const run = await proofline([command, '--config', config, '--print-config']);
      expect(run.code, run.stderr).toBe(0);
      expect(line(run.stdout, 'kafka')?.value).toBe('k1:9092');
      const none = await proofline([command, '--print-config']);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(
        /needs Kafka brokers \(--kafka, PROOFLINE_KAFKA or `kafka:` in the config file\)/,
      );
    }
  });
});

describe('a config file that is wrong says where', () => {
  it.each([
    ['a value of the wrong type', 'host: 127.0.0.1\n\nport: "4318"\n', /:3:7: port: must be integer$/],
    ['a number out of range', 'port: 70000\n', /:1:7: port: must be <= 65535$/],
    ['an unknown key', 'host: 127.0.0.1\nprot: 1\n', /:2:1: config: unknown key "prot"$/],
    [
      'a value not among the choices',
      'collector-encoding: otlp_xml\n',
      /:1:21: collector-encoding: must be one of otlp_proto, otlp_json$/,
    ],
    ['a key given twice', 'port: 1\nport: 2\n', /:2:1: Map keys must be unique/],
    ['broken YAML', 'port: [1\n', /:2:1: .*/],
    ['not a map', '- port\n', /:1:1: config: must be object,null$/],
  ])('%s', async (_, text, problem) => {
    const config = file(text);
    const run = await proofline(['ingest', '--config', config, '--print-config']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toMatch(new RegExp(`^proofline: ${config}${problem.source}`));
  });

  it('a file that cannot be read', async () => {
    const run = await proofline(['serve', '--config', join(dir, 'missing.yaml'), '--print-config']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing\.yaml: cannot read config file \(ENOENT\)/);
  });

  it('the JSON Schema has exactly one key per flag of serve, ingest and assemble', () => {
    const keys = Object.keys(configFileSchema().properties as object).sort();
    const flags = [...new Set(COMMANDS.flatMap((command) => settingsOf(command)))].map(flagOf).sort();
    expect(keys).toEqual(flags);
  });
});

describe('a variable that is wrong names itself', () => {
  it.each([
    [{ PROOFLINE_PORT: 'http' }, 'PROOFLINE_PORT=http: not a port number'],
    [{ PROOFLINE_MAX_BODY: '-1' }, 'PROOFLINE_MAX_BODY=-1: must be a positive integer'],
    [{ PROOFLINE_STORE_CONTENT: 'maybe' }, 'PROOFLINE_STORE_CONTENT=maybe: must be true or false'],
    [{ PROOFLINE_HOST: '' }, 'PROOFLINE_HOST is set but empty'],
    [{ PROOFLINE_TOKEN: '' }, 'PROOFLINE_TOKEN is set but empty'],
    [
      { PROOFLINE_COLLECTOR_ENCODING: 'xml' },
      'PROOFLINE_COLLECTOR_ENCODING=xml: must be one of otlp_proto, otlp_json',
    ],
  ])('%o', async (env, problem) => {
    const run = await proofline(['ingest', '--kafka', 'k:1', '--print-config'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(problem);
  });
});

describe('the token', () => {
  const TOKEN = 'tok-9d1e-never-printed';

  it('is never printed, wherever it comes from', async () => {
    const tokenFile = secret(`${TOKEN}\n`);
    const runs = [
      await proofline(['serve', '--token', TOKEN, '--print-config']),
      await proofline(['serve', '--print-config'], { PROOFLINE_TOKEN: TOKEN }),
      await proofline(['serve', '--config', file(`token: ${TOKEN}\n`, 0o600), '--print-config']),
      await proofline(['serve', '--token-file', tokenFile, '--print-config']),
    ];
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(line(run.stdout, 'token')?.value).toBe('<redacted>');
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
    }
    expect(line(runs[3]!.stdout, 'token')?.origin).toBe(`token file ${tokenFile} (flag)`);
  });

  it('comes from the more precedent of token and token file; both at one level is refused', async () => {
    const tokenFile = secret(`${TOKEN}\n`);
    const envOverFile = await proofline(
      ['serve', '--config', file(`token-file: ${tokenFile}\n`), '--print-config'],
      {
        PROOFLINE_TOKEN: 'from-env',
      },
    );
    expect(line(envOverFile.stdout, 'token')?.origin).toBe('env PROOFLINE_TOKEN');
    const fileOverEnv = await proofline(['serve', '--token-file', tokenFile, '--print-config'], {
      PROOFLINE_TOKEN: 'from-env',
    });
    expect(line(fileOverEnv.stdout, 'token')?.origin).toBe(`token file ${tokenFile} (flag)`);
    const both = await proofline(['serve', '--print-config'], {
      PROOFLINE_TOKEN: 'x',
      PROOFLINE_TOKEN_FILE: tokenFile,
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give the token or a token file, not both \(both from env PROOFLINE_TOKEN\)/);
  });

  it.each([
    ['readable by others', `${TOKEN}\n`, 0o644, /token file .* is mode 0644, open to others: chmod 600/],
    ['writable by its group', `${TOKEN}\n`, 0o660, /is mode 0660, open to others/],
    ['empty', '\n', 0o600, /token file .* is empty/],
    ['two lines', `${TOKEN}\nInjected: header\n`, 0o600, /one line of visible ASCII/],
  ])('a token file %s is refused', async (_, text, mode, problem) => {
    const run = await proofline(['serve', '--token-file', secret(text, mode), '--print-config']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(problem);
  });

  it('a 0640 token file (a service group) is taken', async () => {
    const run = await proofline(['serve', '--token-file', secret(`${TOKEN}\n`, 0o640), '--print-config']);
    expect(run.code, run.stderr).toBe(0);
  });

  it('a config file that holds the token must be private', async () => {
    const run = await proofline(['serve', '--config', file(`token: ${TOKEN}\n`, 0o644), '--print-config']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/config file \(it holds the token\) .* is mode 0644, open to others/);
  });
});

describe('a real server on what the file and the environment say', () => {
  it('serves with the file’s policy and the token from PROOFLINE_TOKEN_FILE', async () => {
    const tokenFile = secret('tok-from-file\n');
    const config = file(`policy: ${policy}\nsettle-ms: 100\n`);
    const previous = process.env.PROOFLINE_TOKEN_FILE;
    process.env.PROOFLINE_TOKEN_FILE = tokenFile;
    const serve = await startServe({
      dataDir: join(dir, 'serve-data'),
      settleMs: 100,
      idleTimeoutMs: 60_000,
      extraArgs: ['--config', config],
    }).finally(() => {
      if (previous === undefined) delete process.env.PROOFLINE_TOKEN_FILE;
      else process.env.PROOFLINE_TOKEN_FILE = previous;
    });
    try {
      expect(serve.policyDigest).toBe(loadGuard(policy).policyDigest);
      expect(await statusCode(`${serve.url}/v1/status`)).toBe(401);
      expect(await statusCode(`${serve.url}/v1/status`, 'tok-from-file')).toBe(200);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});

function statusCode(url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
