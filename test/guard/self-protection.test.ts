// The agent against proofline itself, end to end: real `proofline hook` processes (service/replay.ts
// runHookProcess, with the hook's bearer token, as the agent's shell could read it) against a real embedded
// pipeline with a registered approver. Every attempt to approve its own gated call, reach the approval route,
// read proofline's keys, edit Codex's hooks or stop the server is denied; a grant signed by the registered
// approver lets the exact call through once; the bundle carries the grant, `proofline verify` checks the
// approver's signature (and fails a forged one even when the bundle itself is re-signed with the server's
// key), and so does an independent Python check.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { signerFromPrivateKey, signStatement } from '../../assembler/sign.js';
import { loadGuard } from '../../policy/load.js';
import type { ActionProof, DsseEnvelope, Statement } from '../../schemas/bundle.js';
import { receiptDigest } from '../../schemas/bundle.js';
import { canonicalDigest, canonicalize } from '../../schemas/digest.js';
import { PRIVATE_KEY_FILE } from '../../schemas/keys.js';
import { startPipeline, type Pipeline } from '../../service/embedded.js';
import { runHookProcess } from '../../service/replay.js';
import { withHookHeaders } from '../../service/hook-client.js';
import type { CheckResult } from '../../verifier/checks/check.js';
import { runVerify } from '../../verifier/verify-command.js';
import { captureOutput, freshDataDir, readBundles } from '../e2e/support.js';
import { ROOT } from '../hook/support.js';
import {
  approversFile,
  grantFor,
  makeApprover,
  pendingApproval,
  postGrant,
  type TestApprover,
} from './approver.js';
import { EXAMPLE_POLICY, ensureCliBuilt, makeWorkspace } from './support.js';

const TOKEN = 'hook-token-the-agent-can-read';

let pipeline: Pipeline;
let alice: TestApprover;
let mallory: TestApprover;
let workspace: string;
let agentHome: string;
let port: string;
let calls = 0;

beforeAll(async () => {
  await ensureCliBuilt();
  [alice, mallory] = await Promise.all([makeApprover('alice'), makeApprover('mallory')]);
  workspace = makeWorkspace();
  // The agent's home as Codex's transcript path shows it: ~/.codex with hooks, ~/.proofline with keys.
  agentHome = mkdtempSync(join(tmpdir(), 'proofline-agent-home-'));
  mkdirSync(join(agentHome, '.codex/sessions/2030/01/01'), { recursive: true });
  writeFileSync(join(agentHome, '.codex/hooks.json'), '{"hooks":{}}');
  mkdirSync(join(agentHome, '.proofline/keys'), { recursive: true });
  writeFileSync(join(agentHome, '.proofline/keys/signing-key.pem'), 'not a real key');
  pipeline = await startPipeline({
    dataDir: await freshDataDir('proofline-self-'),
    ingest: { port: 0, token: TOKEN, policyFile: EXAMPLE_POLICY, approversFile: alice.approversFile },
  });
  port = new URL(pipeline.url).port;
});
afterAll(async () => pipeline?.close());

function preToolUse(command: string, event: string, session: string): Record<string, unknown> {
  calls += 1;
  return {
    session_id: session,
    turn_id: `${session}-turn`,
    transcript_path: join(agentHome, '.codex/sessions/2030/01/01/rollout-2030-01-01T00-00-00-x.jsonl'),
    cwd: workspace,
    hook_event_name: event,
    model: 'mock-model',
    permission_mode: 'default',
    tool_name: 'Bash',
    tool_input: { command },
    tool_use_id: `${session}-call-${calls}`,
  };
}

interface Answer {
  deny?: string;
  systemMessage?: string;
  exitCode: number;
}

/** One tool call through a real `proofline hook` process, as Codex runs it, with the hook's token. */
async function hook(command: string, event = 'PreToolUse', session = 'agent-vs-proofline'): Promise<Answer> {
  const payload = preToolUse(command, event, session);
  const run = await withHookHeaders(TOKEN, (headerFile) =>
    runHookProcess({ event, stdin: JSON.stringify(payload) }, { url: pipeline.url, headerFile }),
  );
  const output = run.stdout === '' ? {} : (JSON.parse(run.stdout) as Record<string, never>);
  const specific = output.hookSpecificOutput as
    | {
        permissionDecision?: string;
        permissionDecisionReason?: string;
        decision?: { behavior: string; message?: string };
      }
    | undefined;
  const deny =
    specific?.permissionDecision === 'deny'
      ? specific.permissionDecisionReason
      : specific?.decision?.behavior === 'deny'
        ? specific.decision.message
        : undefined;
  return {
    exitCode: run.exitCode ?? -1,
    systemMessage: output.systemMessage,
    ...(deny === undefined ? {} : { deny }),
  };
}

describe('the agent cannot approve its own call or touch proofline', () => {
  let gatedId: string;

  it('a gated call tells the model only that it awaits approval', async () => {
    const gated = await hook('rm -rf src');
    expect(gated.deny).toMatch(/awaits a human's approval/);
    gatedId = /proofline approve ([0-9a-f]{16})/.exec(gated.systemMessage ?? '')![1]!;
    expect(gated.deny).not.toContain(gatedId);
    // A plain call still runs: self-protection judges what touches proofline, nothing else.
    expect(await hook('ls -la')).toEqual({ exitCode: 0 });
  });

  const attempts = (): Array<[string, string]> => [
    // proofline's control commands, however started
    [`proofline approve ${gatedId} --key ~/.proofline/approvers/alice.approver-key.pem`, 'control_command'],
    [`proofline approve ${gatedId} --as security-lead`, 'control_command'],
    [`npx proofline approve ${gatedId} --key k.pem`, 'control_command'],
    [`node ${join(ROOT, 'dist/cli/main.js')} approvals`, 'control_command'],
    [`P=proofline; $P approve ${gatedId}`, 'control_command'],
    ['proofline keygen --approver security-lead', 'control_command'],
    // its approval route and server, with the hook's token, under any spelling of its address
    [
      `curl -s -X POST -H "Authorization: Bearer ${TOKEN}" -H 'content-type: application/json' -d '{"id":"${gatedId}","approver":"security-lead"}' http://127.0.0.1:${port}/v1/approvals`,
      'control_route',
    ],
    [`curl -s http://0x7f000001:${port}/v1/status`, 'control_route'],
    [`curl -s http://2130706433:${port}/`, 'control_route'],
    [
      `wget -qO- --header="Authorization: Bearer ${TOKEN}" http://localhost:${port}/v1/approvals`,
      'control_route',
    ],
    [
      `python3 -c "import urllib.request as u; u.urlopen('http://[::1]:${port}/v1/appr' + 'ovals')"`,
      'control_route',
    ],
    [`exec 3<>/dev/tcp/127.0.0.1/${port}`, 'control_route'],
    // its keys: the server's signing key, the default key directory by glob and by substitution
    [`cat ${join(pipeline.keyDir, PRIVATE_KEY_FILE)}`, 'protected_path'],
    ['cat ~/.proofline/keys/*', 'protected_path'],
    ['cat $(echo ~/.pro*)/keys/*', 'protected_path'],
    ['K=$HOME/.proofline/keys; base64 "$K/signing-key.pem"', 'protected_path'],
    ['cd ~ && tar czf /tmp/h.tgz .', 'protected_path'],
    [`cat ${alice.approversFile}`, 'protected_path'],
    [`echo 'rules: []' > ${EXAMPLE_POLICY}`, 'protected_path'],
    // Codex's hooks and hook trust state
    [`sed -i 's/proofline hook/true/' ~/.codex/hooks.json`, 'protected_path'],
    [`echo '{}' | tee ${join(agentHome, '.codex/hooks.json')}`, 'protected_path'],
    ['cp /dev/null $HOME/.codex/hooks.json', 'protected_path'],
    ['printf "[hooks.state.x]\\ntrusted_hash=1\\n" >> ~/.codex/config.toml', 'protected_path'],
    ['mkdir -p .codex && echo "{}" > .codex/hooks.json', 'protected_path'],
    // its server
    ['kill $(pgrep -f proofline)', 'stop_server'],
    ['pgrep -f "proofline serve" | xargs kill -9', 'stop_server'],
    [`kill -HUP ${process.pid}`, 'stop_server'],
    ['pkill -f proofline', 'stop_server'],
    ['killall node', 'stop_server'],
  ];

  it('every agent-side attempt is denied by a real proofline hook process, the rule recorded', async () => {
    for (const [command, rule] of attempts()) {
      const answer = await hook(command);
      expect([command, answer.exitCode, answer.deny]).toEqual([
        command,
        0,
        expect.stringMatching(
          new RegExp(`^proofline protects itself: .*\\(proofline rule proofline\\.self\\.${rule}\\)$`),
        ),
      ]);
    }
    // The same for a PermissionRequest escalation.
    expect((await hook('cat ~/.proofline/keys/signing-key.pem', 'PermissionRequest')).deny).toMatch(
      /proofline protects itself/,
    );
    await pipeline.flush();
  });

  it('the hook token alone, or a claimed name, approves nothing', async () => {
    const post = (body: unknown) =>
      fetch(`${pipeline.url}/v1/approvals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      });
    expect((await post({ id: gatedId, approver: 'security-lead' })).status).toBe(400);
    const request = await pendingApproval(pipeline.url, gatedId, TOKEN);
    // mallory's key is not registered; alice's key cannot speak as someone else.
    expect((await postGrant(pipeline.url, grantFor(request, mallory), TOKEN)).body.error).toBe(
      'APPROVER_UNKNOWN',
    );
    expect(
      (await postGrant(pipeline.url, grantFor(request, { ...mallory, name: 'alice' }), TOKEN)).body.error,
    ).toBe('APPROVER_UNKNOWN');
    expect(
      (await postGrant(pipeline.url, grantFor(request, { ...alice, name: 'security-lead' }), TOKEN)).body
        .error,
    ).toBe('APPROVER_MISMATCH');
    expect((await hook('rm -rf src')).deny).toMatch(/awaits a human's approval/);
  });
});

describe("a registered approver's signed grant", () => {
  let id: string;
  let signed: unknown;
  const call = (command: string) => hook(command, 'PreToolUse', 'approved-by-alice');

  it('refuses grants for another id, another action, another server, expired or tampered', async () => {
    id = /proofline approve ([0-9a-f]{16})/.exec(
      (await call('git reset --hard HEAD~1')).systemMessage ?? '',
    )![1]!;
    const request = await pendingApproval(pipeline.url, id, TOKEN);
    const other = /proofline approve ([0-9a-f]{16})/.exec(
      (await call('git clean -fdx')).systemMessage ?? '',
    )![1]!;
    const otherRequest = await pendingApproval(pipeline.url, other, TOKEN);
    const refused = async (grant: unknown) => (await postGrant(pipeline.url, grant, TOKEN)).body.error;
    expect(await refused(grantFor({ ...request, id: other }, alice))).toBe('GRANT_MALFORMED'); // id ≠ digest's
    expect(await refused(grantFor({ ...otherRequest, challenge: request.challenge }, alice))).toBe(
      'GRANT_CHALLENGE',
    );
    expect(await refused(grantFor({ ...request, challenge: 'ab'.repeat(16) }, alice))).toBe(
      'GRANT_CHALLENGE',
    );
    const past = Date.now() - 30 * 60_000;
    expect(await refused(grantFor(request, alice, {}, past))).toBe('GRANT_EXPIRED');
    const genuine = grantFor(request, alice, { decision: 'denied' });
    const statement = JSON.parse(Buffer.from(genuine.payload, 'base64').toString('utf8')) as object;
    const flipped = {
      ...genuine,
      payload: Buffer.from(JSON.stringify({ ...statement, decision: 'approved' })).toString('base64'),
    };
    expect(await refused(flipped)).toMatch(/GRANT_MALFORMED|GRANT_SIGNATURE/);
    expect((await pendingApproval(pipeline.url, id, TOKEN)).id).toBe(id);

    signed = grantFor(request, alice);
    const accepted = await postGrant(pipeline.url, signed, TOKEN);
    expect(accepted.status).toBe(200);
    expect(accepted.body.approval).toMatchObject({ id, approver: 'alice', decision: 'approved' });
  });

  it('lets exactly that call through once: not a second time, not another command, not a replay', async () => {
    expect((await call('git reset --hard HEAD~2')).deny).toMatch(/awaits a human's approval/);
    expect(await call('git reset --hard HEAD~1')).toEqual({ exitCode: 0 });
    expect((await call('git reset --hard HEAD~1')).deny).toMatch(/awaits a human's approval/);
    expect((await postGrant(pipeline.url, signed, TOKEN)).body.error).toBe('GRANT_CHALLENGE');
    await pipeline.flush();
  });

  it('the bundle carries the grant; verify checks the approver signature; a forged grant fails even re-signed', async () => {
    const bundles = await readBundles(pipeline.dataDir);
    const approved = bundles.find((b) => {
      const proof = b.statement.predicate as ActionProof;
      return (
        proof.evidence?.receipts.find((r) => r.checkpoint === 'admissibility')?.facts.deciding_rule ===
        `approval:${id}`
      );
    });
    expect(approved).toBeDefined();
    const proof = approved!.statement.predicate as ActionProof;
    const receipt = proof.evidence.receipts.find((r) => r.checkpoint === 'approval')!;
    expect(receipt.facts.grants).toEqual([signed]);
    expect(proof.evidence.approvals).toEqual([
      expect.objectContaining({ approver: 'alice', decision: 'approved' }),
    ]);

    const ok = await verify(pipeline.dataDir, alice.approversFile);
    expect(signatureCheck(ok.checks, approved!.path)).toMatchObject({
      status: 'pass',
      detail: `signed grants verified: approved ${id} by alice`,
    });
    expect(ok.checks.filter((c) => c.check_name === 'approval_signature' && c.status === 'fail')).toEqual([]);
    // The Python check reads bundle files: the approved bundle as `proofline export` would write it.
    const exported = join(mkdtempSync(join(tmpdir(), 'proofline-approved-')), 'approved.dsse.json');
    writeFileSync(exported, approved!.text);
    expect(pythonCheck(alice.approversFile, exported)).toMatchObject({ code: 0 });

    // Trusting only mallory: alice's grant does not verify.
    const untrusted = await verify(pipeline.dataDir, approversFile([mallory]));
    expect(signatureCheck(untrusted.checks, approved!.path)).toMatchObject({ status: 'fail' });
    expect(pythonCheck(approversFile([mallory]), exported).code).toBe(1);

    // Whoever holds the server's signing key stretches the grant and re-signs the bundle: every bundle check
    // passes, the approver's signature does not.
    const forged = forgeGrant(approved!.envelope, { expires_at: '2099-01-01T00:00:00.000Z' });
    const forgedDir = mkdtempSync(join(tmpdir(), 'proofline-forged-'));
    const file = join(forgedDir, 'forged.dsse.json');
    writeFileSync(file, forged);
    const keys = join(pipeline.keyDir, 'public-keys.json');
    const verdict = await verify(file, alice.approversFile, keys);
    expect(verdict.checks.find((c) => c.check_name === 'signature')).toMatchObject({ status: 'pass' });
    expect(signatureCheck(verdict.checks, file)).toMatchObject({ status: 'fail' });
    expect(signatureCheck(verdict.checks, file)?.detail).toMatch(/signature does not verify/);
    expect(verdict.code).toBe(1);
    const python = pythonCheck(alice.approversFile, file);
    expect(python.code).toBe(1);
    expect(python.stdout).toContain('signature does not verify');
  });
});

describe('self-protection is waived only by a dispensation that names it', () => {
  it('a dispensation for one command lets it through, recorded; nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-dispensation-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'version: 1\ndefault_route: allow\nrules:\n  - id: ci-runs-the-demo\n    modality: dispensation\n' +
        '    waives: [proofline.self.control_command]\n    when: { command: { regex: "^proofline demo$" } }\n',
    );
    const before = pipeline.guard();
    pipeline.setGuard(loadGuard(policy));
    try {
      const call = (command: string) => hook(command, 'PreToolUse', 'dispensed');
      expect(await call('proofline demo')).toEqual({ exitCode: 0 });
      expect((await call('proofline approve 0123456789abcdef')).deny).toMatch(/proofline protects itself/);
      expect((await call('cat ~/.proofline/keys/signing-key.pem')).deny).toMatch(/proofline protects itself/);
    } finally {
      pipeline.setGuard(before);
    }
    await pipeline.flush();
    const admissions = (await readBundles(pipeline.dataDir))
      .map((b) => b.statement.predicate as ActionProof)
      .filter((p) => p.summary?.session_id === 'dispensed')
      .map((p) => p.evidence.receipts.find((r) => r.checkpoint === 'admissibility')!.facts);
    expect(admissions).toEqual([
      expect.objectContaining({
        route: 'allow',
        matched_rules: ['ci-runs-the-demo', 'proofline.self.control_command'],
        reason: expect.stringMatching(/self-protection .* waived by a dispensation/),
      }),
      expect.objectContaining({ route: 'block', deciding_rule: 'proofline.self.control_command' }),
      expect.objectContaining({ route: 'block', deciding_rule: 'proofline.self.protected_path' }),
    ]);
  });
});

async function verify(
  path: string,
  approvers: string,
  keys?: string,
): Promise<{ code: number; checks: CheckResult[] }> {
  const { out, stdout } = captureOutput();
  const code = await runVerify(
    { paths: [path], minCompleteness: 0, format: 'json', approvers, ...(keys ? { keys } : {}) },
    out,
  );
  return { code, checks: (JSON.parse(stdout()) as { checks: CheckResult[] }).checks };
}

function signatureCheck(checks: readonly CheckResult[], file: string): CheckResult | undefined {
  return checks.find((c) => c.check_name === 'approval_signature' && c.file === file);
}

/** test/interop/approvals/verify_grants.py: Python `cryptography` + `rfc8785`, no proofline code. */
function pythonCheck(approvers: string, file: string): { code: number; stdout: string } {
  const script = join(ROOT, 'test/interop/approvals/verify_grants.py');
  try {
    return { code: 0, stdout: execFileSync('python3', [script, approvers, file]).toString() };
  } catch (error) {
    const failed = error as { status?: number; stdout?: Buffer; stderr?: Buffer };
    if (failed.status !== 1)
      throw new Error(`verify_grants.py failed: ${failed.stderr?.toString() ?? String(error)}`);
    return { code: 1, stdout: failed.stdout?.toString() ?? '' };
  }
}

/** The bundle with its approval grant's statement changed, chains and digests redone, re-signed with the
 * server's own key: a forgery only the approver's signature can reveal. */
function forgeGrant(envelope: DsseEnvelope, changes: Record<string, string>): string {
  const statement = JSON.parse(
    Buffer.from(envelope.payload, 'base64').toString('utf8'),
  ) as Statement<ActionProof>;
  const proof = statement.predicate;
  let previous: string | null = null;
  proof.evidence.receipts = proof.evidence.receipts.map((receipt) => {
    const facts =
      receipt.checkpoint === 'approval'
        ? {
            ...receipt.facts,
            grants: (receipt.facts.grants as Array<{ payload: string }>).map((g) => ({
              ...g,
              payload: rewrite(g.payload, changes),
            })),
          }
        : receipt.facts;
    const body = { ...receipt, facts, previous };
    const digest = receiptDigest(body);
    previous = digest;
    return { ...body, digest };
  });
  proof.manifest.sections.evidence = canonicalDigest(proof.evidence);
  const signer = signerFromPrivateKey(readFileSync(join(pipeline.keyDir, PRIVATE_KEY_FILE), 'utf8'));
  return signStatement(statement, signer).fileText;
}

function rewrite(payload: string, changes: Record<string, string>): string {
  const grant = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(canonicalize({ ...grant, ...changes })).toString('base64');
}
