// The deployment files, tested as far as a machine without a container engine can: the Dockerfile linted
// (dockerfile-utils, the linter of the VS Code Docker extension) and its properties read with a real parser
// (dockerfile-ast), its HEALTHCHECK command run for real against a server; deploy/compose/compose.yaml loaded by
// compose-spec/compose-go (the loader Docker Compose uses), its hardening checked, and every proofline service's
// command run as compose would run it (same arguments, same environment, its mounted config file) with
// --print-config. Not run: `docker build` and `docker compose up` (README "Deployment").
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DockerfileParser, type Healthcheck, type Instruction } from 'dockerfile-ast';
import { format, validate, ValidationSeverity } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_PORT } from '../../schemas/endpoints.js';
import { startPipeline, type Pipeline } from '../../service/embedded.js';
import { CLI, ROOT } from '../hook/support.js';
import { loadCompose, type ComposeProject, type ComposeService } from './composecheck.js';

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const COMPOSE = join(ROOT, 'deploy/compose/compose.yaml');
const STRICT = Object.fromEntries(
  [
    'deprecatedMaintainer',
    'directiveCasing',
    'emptyContinuationLine',
    'instructionCasing',
    'instructionCmdMultiple',
    'instructionEntrypointMultiple',
    'instructionHealthcheckMultiple',
    'instructionJSONInSingleQuotes',
    'instructionWorkdirRelative',
  ].map((rule) => [rule, ValidationSeverity.ERROR]),
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'proofline-deploy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(DOCKERFILE);
  const instructions = dockerfile.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  const final = instructions.slice(lastFrom);
  const all = (keyword: string): Instruction[] => final.filter((i) => i.getKeyword() === keyword);
  const one = (keyword: string): string => {
    const found = all(keyword);
    expect(found, keyword).toHaveLength(1);
    return found[0]!.getArgumentsContent() ?? '';
  };

  it('passes the linter with every rule an error, and is formatted as its formatter wants', () => {
    expect(validate(DOCKERFILE, STRICT)).toEqual([]);
    expect(format(DOCKERFILE, { insertSpaces: true, tabSize: 2 })).toEqual([]);
  });

  it('the linter finds problems when there are some (it is not vacuous)', () => {
    const broken = 'FROM node:20\nWORKDIR relative\nUSER\nCMD [\'proofline\']\nCMD ["serve"]\n';
    expect(validate(broken, STRICT).map((d) => d.message)).toHaveLength(4);
  });

  it('runs as the unprivileged proofline user (uid 10001), set after the last RUN', () => {
    expect(one('USER')).toBe('proofline');
    const keywords = final.map((i) => i.getKeyword());
    expect(keywords.indexOf('USER')).toBeGreaterThan(keywords.lastIndexOf('RUN'));
    expect(
      all('RUN').some((i) => /useradd --system --uid 10001 .* proofline/.test(i.getArgumentsContent() ?? '')),
    ).toBe(true);
    // compose.yaml tells the operator to chown the secret to the same uid.
    expect(readFileSync(COMPOSE, 'utf8')).toContain('chown 10001:10001');
  });

  it('installs the packed npm tarball, without dev dependencies or install scripts, on the supported Node', () => {
    const engines = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    for (const from of dockerfile.getFROMs()) {
      expect(from.getImageName()).toBe('node');
      expect(from.getImageTag()).toMatch(new RegExp(`^${/\d+/.exec(engines)![0]}-`));
    }
    expect(DOCKERFILE).toMatch(/npm pack --ignore-scripts/);
    expect(
      all('RUN').some((i) =>
        /npm install --global --omit=dev --ignore-scripts .*\/tmp\/proofline\.tgz/.test(
          i.getArgumentsContent() ?? '',
        ),
      ),
    ).toBe(true);
    expect(one('ENTRYPOINT')).toBe('["proofline"]');
    expect(one('CMD')).toBe('["serve"]');
    expect(one('EXPOSE')).toBe(String(DEFAULT_PORT));
  });

  it('puts no secret into the image', () => {
    for (const env of all('ENV')) expect(env.getArgumentsContent()).not.toMatch(/TOKEN|KEY|SECRET|PASSWORD/i);
    expect(instructions.some((i) => i.getKeyword() === 'ADD')).toBe(false);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['.git', 'node_modules', 'deploy/compose/secrets', '**/*.key', '**/.env'])
      expect(ignore).toContain(pattern);
  });

  describe('HEALTHCHECK, run for real', () => {
    let pipeline: Pipeline;
    beforeAll(async () => {
      pipeline = await startPipeline({ dataDir: join(dir, 'health'), ingest: { port: 0 } });
    });
    afterAll(async () => pipeline?.close());

    const healthcheck = (): string[] => {
      const [instruction] = all('HEALTHCHECK') as Healthcheck[];
      expect(instruction!.getFlags().map((flag) => flag.getName())).toEqual([
        'interval',
        'timeout',
        'start-period',
        'retries',
      ]);
      const command = instruction!.getArgumentsContent() ?? '';
      expect(command).toMatch(/^CMD \[/);
      return JSON.parse(command.slice('CMD '.length)) as string[];
    };
    const run = (url?: string) =>
      new Promise<number>((resolve) => {
        const [command, ...args] = healthcheck();
        const env = { ...process.env, ...(url ? { PROOFLINE_HEALTH_URL: url } : {}) };
        execFile(command!, args, { env, timeout: 20_000 }, (error) =>
          resolve(error ? Number(error.code ?? 1) : 0),
        );
      });

    it('probes /readyz on the default port unless told otherwise', () => {
      expect(healthcheck().join(' ')).toContain(`'http://127.0.0.1:${DEFAULT_PORT}/readyz'`);
    });

    it('exits 0 against a ready server, 1 against a failing route or none', async () => {
      expect(await run(`${pipeline.url}/readyz`)).toBe(0);
      expect(await run(`${pipeline.url}/no-such-route`)).toBe(1);
      expect(await run('http://127.0.0.1:1/readyz')).toBe(1);
    });
  });
});

describe('deploy/compose/compose.yaml', () => {
  let base: ComposeProject;
  let kafka: ComposeProject;
  beforeAll(() => {
    const loaded = [loadCompose(COMPOSE), loadCompose(COMPOSE, ['kafka'])];
    for (const result of loaded) if (!result.ok) throw new Error(result.error);
    [base, kafka] = loaded.map((result) => (result as { project: ComposeProject }).project) as [
      ComposeProject,
      ComposeProject,
    ];
  });
  const proofline = (project: ComposeProject): [string, ComposeService][] =>
    Object.entries(project.services).filter(([, service]) => service.image?.startsWith('proofline:'));

  it('loads under the Compose Specification: one server, or Kafka with a receiver and two assemblers', () => {
    expect(Object.keys(base.services)).toEqual(['proofline']);
    expect(Object.keys(kafka.services).sort()).toEqual([
      'assemble-a',
      'assemble-b',
      'ingest',
      'kafka',
      'proofline',
    ]);
  });

  it('the loader refuses what the specification does not allow (it is not vacuous)', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      'services:\n  proofline:\n    image: proofline:0.1.0\n    read_only: maybe\n    privileged_mode: true\n',
    );
    const result = loadCompose(broken);
    expect(result.ok).toBe(false);
    expect((result as { error: string }).error).toMatch(/privileged_mode|read_only/);
  });

  it('hardens every proofline service: read-only root, no capabilities, no privilege escalation, built here', () => {
    for (const [name, service] of proofline(kafka)) {
      expect(service.read_only, name).toBe(true);
      expect(service.cap_drop, name).toEqual(['ALL']);
      expect(service.security_opt, name).toEqual(['no-new-privileges:true']);
      expect(service.user, name).toBeUndefined(); // the image's own unprivileged user
      expect(service.build, name).toEqual({ context: ROOT.replace(/\/$/, ''), dockerfile: 'Dockerfile' });
    }
  });

  it('publishes ports on the host’s loopback only, and serves them with the token from a file secret', () => {
    const published = proofline(kafka).filter(([, service]) => (service.ports ?? []).length > 0);
    expect(published.map(([name]) => name).sort()).toEqual(['ingest', 'proofline']);
    for (const [name, service] of published) {
      for (const port of service.ports!)
        expect(port, name).toMatchObject({ host_ip: '127.0.0.1', target: DEFAULT_PORT });
      expect(service.environment?.PROOFLINE_TOKEN_FILE, name).toBe('/run/secrets/proofline_token');
      expect(
        service.secrets?.map((s) => s.source),
        name,
      ).toEqual(['proofline_token']);
      expect(Object.keys(service.environment ?? {}), name).not.toContain('PROOFLINE_TOKEN');
    }
    expect(kafka.secrets?.proofline_token?.file).toBe(join(ROOT, 'deploy/compose/secrets/token'));
  });

  it('every proofline service’s command, run as compose runs it, takes its configuration', async () => {
    const token = join(dir, 'token');
    writeFileSync(token, 'compose-token\n');
    chmodSync(token, 0o600);
    for (const [name, service] of proofline(kafka)) {
      // The container's paths, mapped back to what compose mounts there.
      const mounts = new Map(
        (service.volumes ?? []).filter((v) => v.type === 'bind').map((v) => [v.target, v.source]),
      );
      const args = (service.command ?? []).map((arg) => mounts.get(arg) ?? arg);
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [
          key,
          key === 'PROOFLINE_TOKEN_FILE' ? token : String(value),
        ]),
      );
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [CLI, ...args, '--print-config'],
          { env: { PATH: process.env.PATH, ...env } },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        ),
      );
      expect(run.code, `${name}: ${run.stderr}`).toBe(0);
      if (service.environment?.PROOFLINE_TOKEN_FILE)
        expect(run.stdout, name).toMatch(
          /^token: <redacted>\s+# token file .* \(env PROOFLINE_TOKEN_FILE\)$/m,
        );
      if (name !== 'proofline')
        expect(run.stdout, name).toMatch(/^kafka: kafka:9092\s+# env PROOFLINE_KAFKA$/m);
      if (name === 'proofline' || name === 'ingest')
        expect(run.stdout, name).toMatch(/^policy: \/etc\/proofline\/policy\.yaml\s+# file /m);
    }
  });
});
