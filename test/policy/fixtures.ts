// Shared set-up for the policy tests: one owned-destination config and a git remote table standing in for
// the repository's .git/config.
import type { GuardRequest } from '../../schemas/guard.js';
import { ExternalityClassifier } from '../../policy/externality/classify.js';
import { DEFAULT_CLASS_PATHS } from '../../policy/externality/secrets.js';

export const WORKSPACE = '/work/app';

export const REMOTES: Record<string, string> = {
  origin: 'git@github.com:acme/app.git',
  fork: 'https://github.com/someone-else/app.git',
  internal: 'ssh://git@git.acme.internal/platform/app.git',
};

export function gitRemoteUrl(_cwd: string, remote: string | undefined): string | undefined {
  return REMOTES[remote ?? 'origin'];
}

export const OWNED = {
  git_orgs: ['acme', 'github.com/acme-labs'],
  hosts: ['*.acme.internal', 'api.acme.dev'],
  registries: ['npm.acme.internal'],
  mcp_servers: ['acme-*'],
};

export function bash(command: string, extra: Partial<GuardRequest> = {}): GuardRequest {
  return {
    runtime_family: 'tool_hook',
    session_id: 's1',
    tool_name: 'Bash',
    tool_input: { command },
    cwd: WORKSPACE,
    workspace_root: WORKSPACE,
    ...extra,
  };
}

export const classifier = new ExternalityClassifier({
  owned: OWNED,
  classPaths: DEFAULT_CLASS_PATHS,
  gitRemoteUrl,
});
