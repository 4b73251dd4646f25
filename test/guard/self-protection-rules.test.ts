// policy/self-protection.ts on command lines alone: what it must catch however it is spelled, and the
// everyday commands it must leave to the policy (a guard that blocks `ls` gets switched off).
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadGuard } from '../../policy/load.js';
import { SelfProtection } from '../../policy/self-protection.js';
import type { GuardRequest } from '../../schemas/guard.js';

const root = mkdtempSync(join(tmpdir(), 'proofline-sp-'));
const home = join(root, 'home');
const workspace = join(home, 'work/app');
const data = join(root, 'srv/proofline-data');
mkdirSync(join(home, '.codex/sessions'), { recursive: true });
mkdirSync(workspace, { recursive: true });
mkdirSync(join(data, 'keys'), { recursive: true });
writeFileSync(join(data, 'keys/signing-key.pem'), 'x');
symlinkSync(join(data, 'keys'), join(workspace, 'innocent-looking-link'));

const protection = new SelfProtection({
  paths: [{ path: data, dir: true, what: 'the data directory' }],
  server: () => ({ host: '127.0.0.1', port: 4318 }),
  process: {
    pids: [31337],
    names: ['node', 'proofline'],
    commandLine: 'node /opt/proofline/dist/cli/main.js serve',
  },
  home: '/nonexistent-server-home',
});

function rulesFor(command: string, toolInput?: Record<string, unknown>): string[] {
  const request: GuardRequest = {
    runtime_family: 'tool_hook',
    session_id: 's',
    tool_name: toolInput ? 'apply_patch' : 'Bash',
    tool_input: toolInput ?? { command },
    ...(toolInput ? {} : { command }),
    cwd: workspace,
    transcript_path: join(home, '.codex/sessions/2030/01/01/rollout.jsonl'),
  };
  return protection.inspect(request).map((f) => f.rule.replace('proofline.self.', ''));
}

describe('self-protection catches', () => {
  it.each([
    ['proofline approve 0123456789abcdef --key k', 'control_command'],
    ['/usr/local/bin/proofline approvals', 'control_command'],
    ['env FOO=1 nohup proofline serve --port 4319 &', 'control_command'],
    ['npm exec proofline -- keygen --approver eve', 'control_command'],
    ['node /opt/proofline/dist/cli/main.js approve 0123456789abcdef', 'control_command'],
    ["python3 -c \"import subprocess; subprocess.run(['proofline', 'approve', 'x'])\"", 'control_command'],
    ['curl http://127.0.0.1:4318/v1/approvals', 'control_route'],
    ['curl http://0177.0.0.1:4318/', 'control_route'],
    ['curl http://127.1:4318/', 'control_route'],
    ['curl "http://[::ffff:127.0.0.1]:4318/"', 'control_route'],
    ['curl http://localhost./v1/%61pprovals', 'control_route'],
    ['U=http://localhost:4318; curl -X POST "$U/v1/approvals"', 'control_route'],
    ['nc localhost 4318 < request.txt', 'control_route'],
    [`cat ${data}/keys/signing-key.pem`, 'protected_path'],
    ['cat innocent-looking-link/signing-key.pem', 'protected_path'],
    [`cd ${data} && cat keys/*`, 'protected_path'],
    [`cd ${root}/srv; cat ./proofline-data/../proofline-data/keys/signing-key.pem`, 'protected_path'],
    ['cat ~/.proofline/keys/{signing-key.pem,public-keys.json}', 'protected_path'],
    ['cat ~/.proo?line/approvers/*.pem', 'protected_path'],
    ['cp -r ~ /tmp/everything', 'protected_path'],
    [`find ${root} -name '*.pem' -exec cat {} +`, 'protected_path'],
    ['grep -R BEGIN ~', 'protected_path'],
    ['vim ../../.codex/config.toml', 'protected_path'],
    ['echo x >> ../../.codex/hooks.json', 'protected_path'],
    ['bash -c "rm -f ~/.codex/hooks.json"', 'protected_path'],
    ['mv .codex/hooks.json /tmp/', 'protected_path'],
    // Over the workspace (which holds its .codex/): a change reaches the hooks, a read-only search does not.
    ['chmod -R a+w .', 'protected_path'],
    ['rm -rf ../app', 'protected_path'],
    ['rg --pre ./unpack.sh TODO .', 'protected_path'],
    ['cp -r /tmp/evil/. .', 'protected_path'],
    ['find . -name hooks.json -delete', 'protected_path'],
    ['tar czf /tmp/x.tgz --remove-files .', 'protected_path'],
    ['zip -rm /tmp/x.zip .', 'protected_path'],
    ['tar czf /tmp/x.tgz $OPTS .', 'protected_path'],
    ['cp -r -t . /tmp/evil', 'protected_path'],
    ['cp -r --target-directory=. /tmp/evil', 'protected_path'],
    ['rsync -a --remove-source-files . /tmp/x', 'protected_path'],
    ['tar czf /tmp/x.tgz --checkpoint=1 --checkpoint-action=exec=./x.sh .', 'protected_path'],
    ['tar xzf /tmp/evil.tgz -C .', 'protected_path'],
    ['ack --pager=./x.sh TODO .', 'protected_path'],
    ['grep -rn BEGIN ~/.proofline', 'protected_path'],
    ['kill -9 31337', 'stop_server'],
    ['kill -- -1', 'stop_server'],
    ['pkill node', 'stop_server'],
    ['systemctl --user stop proofline', 'stop_server'],
    ['lsof -ti :4318 | xargs kill', 'stop_server'],
    [
      'cat <<EOF | python3\nprint(open("/home/x/.proofline/keys/signing-key.pem").read())\nEOF',
      'protected_path',
    ],
    ['bash <<EOF\nproofline approve 0123456789abcdef\nEOF', 'control_command'],
  ])('%s', (command, rule) => {
    expect(rulesFor(command)).toContain(rule);
  });

  it('a patch that edits a protected file, through a tool other than the shell', () => {
    const patch = '*** Begin Patch\n*** Update File: .codex/hooks.json\n@@\n-x\n+y\n*** End Patch\n';
    expect(rulesFor('', { input: patch })).toEqual(['protected_path']);
    expect(rulesFor('', { input: '*** Begin Patch\n*** Update File: src/app.ts\n*** End Patch\n' })).toEqual(
      [],
    );
    // Its lines are file content: documentation that mentions proofline's commands and files is not a call.
    const docs =
      '*** Begin Patch\n*** Update File: README.md\n@@\n+Run `proofline approve ID`, keep ~/.proofline/keys safe.\n*** End Patch\n';
    expect(rulesFor('', { input: docs })).toEqual([]);
  });
});

describe('self-protection leaves alone', () => {
  it.each([
    'ls -la',
    'cat README.md src/*.ts',
    'rm -rf build dist',
    'for f in src/*.ts; do wc -l "$f"; done',
    'echo "$HOME" && git status',
    'git commit -m "$MESSAGE"',
    'grep -rn TODO src',
    'grep -rn API_TOKEN .',
    'rg -n useEffect ..',
    'tar czf dist/site.tgz .',
    'tar -c -f - . | gzip > /tmp/site.tgz',
    'cp -r . /tmp/backup',
    'zip -r /tmp/site.zip .',
    'find . -name "*.ts" -newer package.json',
    'npm test -- --port 4319',
    'curl -s https://registry.npmjs.org/proofline',
    'ls ~',
    'cd ~/work/app && npm run build',
    'kill %1',
    'pkill -f "vite --port 5173"',
    'proofline verify .proofline --keys keys.json',
    'python3 -c "print(1 + 1)"',
    'cat > NOTES.md <<EOF\nremember: proofline approve needs the key in ~/.proofline/approvers\nEOF',
  ])('%s', (command) => {
    expect(rulesFor(command)).toEqual([]);
  });

  it('an allowing policy keeps its decision when nothing touches proofline', () => {
    const guard = loadGuard();
    const request: GuardRequest = {
      runtime_family: 'tool_hook',
      session_id: 's',
      tool_name: 'Bash',
      tool_input: { command: 'ls' },
      command: 'ls',
      cwd: workspace,
    };
    expect(protection.decide(guard, request)).toEqual(guard.decide(request));
    expect(protection.decide(guard, { ...request, command: 'proofline approve x' })).toMatchObject({
      route: 'block',
      verdict: 'deny',
      deciding_rule: 'proofline.self.control_command',
      policy_digest: guard.policyDigest,
    });
  });
});
