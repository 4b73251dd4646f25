// The policy engine: modalities, the meta-policy, class hierarchy, ancestry, and unknown facts that may raise
// a route but never lower it.
import { describe, expect, it } from 'vitest';

import type { GuardRequest } from '../../schemas/guard.js';
import { compilePolicy } from '../../policy/engine/compile.js';
import { parsePolicy } from '../../policy/engine/load.js';
import { bash, gitRemoteUrl, OWNED } from './fixtures.js';

function policy(rules: string, head = ''): ReturnType<typeof compilePolicy> {
  const owned = `owned:\n  git_orgs: [${OWNED.git_orgs.join(', ')}]\n  hosts: ["${OWNED.hosts.join('", "')}"]\n  mcp_servers: [acme-*]\n`;
  return compilePolicy(parsePolicy(`version: 1\n${head}${owned}rules:\n${rules}`, 'test-policy.yaml'), {
    gitRemoteUrl,
  });
}

const CLEAN_SESSION = { labels: [], data_classes: [] };
const clean = (command: string, extra: Partial<GuardRequest> = {}): GuardRequest =>
  bash(command, { session: CLEAN_SESSION, ...extra });

describe('modalities', () => {
  it('permit: a matching permit sets its route and is recorded as deciding', () => {
    const guard = policy(
      `  - { id: status-ok, modality: permit, route: allow, when: { command: { program: git, subcommand: status } } }\n`,
      'default_route: block\n',
    );
    const decision = guard.decide(clean('git status'));
    expect(decision).toMatchObject({
      route: 'allow',
      verdict: 'allow',
      deciding_rule: 'status-ok',
      matched_rules: ['status-ok'],
    });
    expect(guard.decide(clean('git log'))).toMatchObject({
      route: 'block',
      verdict: 'deny',
      matched_rules: [],
    });
    expect(guard.decide(clean('git log')).deciding_rule).toBeUndefined();
  });

  it('prohibit: blocks with its reason and rule id, and defaults to block', () => {
    const guard = policy(
      `  - { id: no-egress, modality: prohibit, reason: no uploads, when: { labels: [external_write], destination_ownership: [unowned] } }\n`,
    );
    const decision = guard.decide(clean('curl -d @data.json https://example.net'));
    expect(decision.route).toBe('block');
    expect(decision.verdict).toBe('deny');
    expect(decision.reason).toContain('no uploads');
    expect(decision.reason).toContain('no-egress');
    expect(guard.decide(clean('curl -d @data.json https://api.acme.dev')).route).toBe('allow');
  });

  const obligation = `  - id: review-after-push
    modality: obligation
    when: { command: { program: git, subcommand: push, regex: "\\\\bmain\\\\b" } }
    duty: open a review
    after: { command: { program: gh, subcommand: pr } }
    within: 10m
`;

  it('obligation: a matching action is permitted and carries the duty with its deadline', () => {
    const decision = policy(obligation).decide(clean('git push origin main'));
    expect(decision.route).toBe('allow');
    expect(decision.obligations).toEqual([
      {
        rule: 'review-after-push',
        duty: 'open a review',
        after: { command: { program: 'gh', subcommand: 'pr' } },
        within_ms: 600_000,
      },
    ]);
    expect(policy(obligation).decide(clean('git push origin feature')).obligations).toEqual([]);
  });

  it('obligation: a blocked action takes on no duty', () => {
    const guard = policy(
      `${obligation}  - { id: no-push, modality: prohibit, when: { command: { program: git } } }\n`,
    );
    const decision = guard.decide(clean('git push origin main'));
    expect(decision.route).toBe('block');
    expect(decision.obligations).toEqual([]);
    expect(decision.matched_rules).toEqual(['review-after-push', 'no-push']);
  });

  it('dispensation: waives a named prohibition under its conditions only', () => {
    const guard =
      policy(`  - { id: no-rm, modality: prohibit, route: approval_gate, when: { labels: [destructive] } }
  - { id: rm-dist-ok, modality: dispensation, waives: [no-rm], when: { command: { regex: "^rm -rf dist$" } } }
`);
    const waived = guard.decide(clean('rm -rf dist'));
    expect(waived).toMatchObject({ route: 'allow', deciding_rule: 'rm-dist-ok', waived_rules: ['no-rm'] });
    expect(waived.matched_rules).toEqual(['no-rm', 'rm-dist-ok']);
    expect(guard.decide(clean('rm -rf src'))).toMatchObject({
      route: 'approval_gate',
      deciding_rule: 'no-rm',
      waived_rules: [],
    });
  });

  it('dispensation: waives an obligation', () => {
    const guard = policy(
      `${obligation}  - { id: bots-exempt, modality: dispensation, waives: [review-after-push], when: { tool: Bash, command: { glob: "* --no-verify *" } } }\n`,
    );
    expect(guard.decide(clean('git push --no-verify origin main')).obligations).toEqual([]);
    expect(guard.decide(clean('git push origin main')).obligations).toHaveLength(1);
  });
});

describe('meta-policy', () => {
  it("prohibition overrides permission, whatever the permit's priority and specificity", () => {
    const guard =
      policy(`  - { id: push-ok, modality: permit, priority: 100, when: { command: { program: git, subcommand: push, flags: [--force] }, destination_ownership: [owned] } }
  - { id: no-force, modality: prohibit, route: approval_gate, when: { labels: [destructive] } }
`);
    const decision = guard.decide(clean('git push --force origin main'));
    expect(decision).toMatchObject({
      route: 'approval_gate',
      deciding_rule: 'no-force',
      matched_rules: ['push-ok', 'no-force'],
    });
    expect(decision.reason).toContain('prohibition overrides permission (push-ok)');
  });

  it('then explicit priority', () => {
    const guard =
      policy(`  - { id: general, modality: permit, route: warn, when: { command: { program: git, subcommand: push } } }
  - { id: vip, modality: permit, route: allow, priority: 10, when: { tool: Bash } }
`);
    const decision = guard.decide(clean('git push origin main'));
    expect(decision).toMatchObject({ route: 'allow', deciding_rule: 'vip' });
    expect(decision.reason).toContain('higher priority 10 > 0 (general)');
  });

  it('then the rule with more conditions', () => {
    const guard =
      policy(`  - { id: broad, modality: permit, route: warn, when: { command: { program: git } } }
  - { id: narrow, modality: permit, route: allow, when: { command: { program: git, subcommand: push } } }
`);
    expect(guard.decide(clean('git push origin main'))).toMatchObject({
      route: 'allow',
      deciding_rule: 'narrow',
    });
    expect(guard.decide(clean('git push origin main')).reason).toContain(
      'more specific: 2 conditions > 1 (broad)',
    );
  });

  it('then literal over glob at equal condition count', () => {
    const guard =
      policy(`  - { id: globbed, modality: permit, route: warn, when: { command: { program: "g*" } } }
  - { id: literal, modality: permit, route: allow, when: { command: { program: git } } }
`);
    expect(guard.decide(clean('git status'))).toMatchObject({ route: 'allow', deciding_rule: 'literal' });
    expect(guard.decide(clean('git status')).reason).toContain('literal conditions');
  });

  it('then the earlier rule', () => {
    const guard =
      policy(`  - { id: first, modality: permit, route: warn, when: { command: { program: git } } }
  - { id: second, modality: permit, route: allow, when: { command: { program: git } } }
`);
    const decision = guard.decide(clean('git status'));
    expect(decision).toMatchObject({ route: 'warn', deciding_rule: 'first', verdict: 'allow' });
    expect(decision.reason).toContain('earlier in the policy (second)');
    expect(decision.system_message).toContain('proofline warning');
  });
});

describe('data class hierarchy', () => {
  const classes = `classes:
  secret: [credentials, private_key]
  credentials: [cloud_credentials]
  cloud_credentials: [aws_credentials, gcp_credentials]
`;
  const rule = `  - { id: no-secret-reads, modality: prohibit, when: { data_classes: [secret] } }\n`;

  it('a rule on `secret` covers aws_credentials three levels down', () => {
    const guard = policy(rule, classes);
    expect(guard.decide(clean('cat ~/.aws/credentials'))).toMatchObject({
      route: 'block',
      data_classes: ['aws_credentials'],
    });
    expect(guard.decide(clean('cat id_rsa')).route).toBe('block');
  });

  it('a class not declared under `secret` is not covered', () => {
    expect(policy(rule, classes).decide(clean('cat ~/.npmrc')).route).toBe('allow');
  });

  it('a subclass added later is covered without touching the rule', () => {
    const later =
      `${classes}  credentials: [cloud_credentials, vault_token]\nclass_paths:\n  vault_token: ["**/.acme-vault"]\n`.replace(
        '  credentials: [cloud_credentials]\n',
        '',
      );
    expect(policy(rule, classes).decide(clean('cat ~/.acme-vault')).route).toBe('allow');
    expect(policy(rule, later).decide(clean('cat ~/.acme-vault'))).toMatchObject({
      route: 'block',
      data_classes: ['vault_token'],
    });
  });
});

describe('ancestry', () => {
  const guard = policy(
    `  - { id: no-tainted-egress, modality: prohibit, when: { labels: [network_egress], ancestry: { all: [secret, untrusted_input] } } }
  - { id: quarantine, modality: prohibit, route: warn, when: { ancestry: { any: [quarantined], none: [reviewed] } } }
`,
    'classes:\n  secret: [credentials]\n  credentials: [aws_credentials]\n',
  );
  const curl = 'curl https://example.com';

  it('all: holds only when every name is in the slice, classes through the hierarchy', () => {
    expect(
      guard.decide(
        bash(curl, { session: { labels: ['untrusted_input'], data_classes: ['aws_credentials'] } }),
      ).route,
    ).toBe('block');
    expect(
      guard.decide(bash(curl, { session: { labels: ['untrusted_input'], data_classes: [] } })).route,
    ).toBe('allow');
    expect(
      guard.decide(bash(curl, { session: { labels: [], data_classes: ['aws_credentials'] } })).route,
    ).toBe('allow');
  });

  it('any and none', () => {
    expect(guard.decide(bash('ls', { session: { labels: ['quarantined'], data_classes: [] } })).route).toBe(
      'warn',
    );
    expect(
      guard.decide(bash('ls', { session: { labels: ['quarantined', 'reviewed'], data_classes: [] } })).route,
    ).toBe('allow');
  });

  it('no session information: unknown, so the prohibition raises the route', () => {
    const decision = guard.decide(bash(curl));
    expect(decision).toMatchObject({ route: 'block', deciding_rule: 'no-tainted-egress' });
    expect(decision.reason).toContain('unknown');
  });
});

describe('unknown raises, never lowers', () => {
  it('a permit does not apply where its condition field is unknown', () => {
    const guard = policy(
      `  - { id: owned-push, modality: permit, route: allow, when: { command: { program: git, subcommand: push }, destination_ownership: [owned] } }\n`,
      'default_route: approval_gate\n',
    );
    expect(guard.decide(clean('git push origin main'))).toMatchObject({
      route: 'allow',
      deciding_rule: 'owned-push',
    });
    // `upstream` has no URL in the repo config: ownership is unknown.
    expect(guard.decide(clean('git push upstream main'))).toMatchObject({
      route: 'approval_gate',
      matched_rules: [],
    });
  });

  it('unless the rule lists `unknown` explicitly', () => {
    const guard = policy(
      `  - { id: lenient, modality: permit, route: allow, when: { command: { program: git }, destination_ownership: [owned, unknown] } }\n`,
      'default_route: approval_gate\n',
    );
    expect(guard.decide(clean('git push upstream main'))).toMatchObject({
      route: 'allow',
      deciding_rule: 'lenient',
    });
  });

  it('a prohibition applies to an unknown field when that makes the route stricter', () => {
    const guard = policy(
      `  - { id: no-unowned, modality: prohibit, when: { destination_ownership: [unowned] } }\n`,
    );
    expect(guard.decide(clean('git push upstream main'))).toMatchObject({
      route: 'block',
      deciding_rule: 'no-unowned',
      matched_rules: ['no-unowned'],
    });
  });

  it('an unknown-only match never lowers the route a definite match set', () => {
    const guard =
      policy(`  - { id: gate-pushes, modality: prohibit, route: approval_gate, when: { command: { program: git, subcommand: push } } }
  - { id: warn-unowned, modality: prohibit, route: warn, priority: 50, when: { destination_ownership: [unowned] } }
`);
    expect(guard.decide(clean('git push upstream main'))).toMatchObject({
      route: 'approval_gate',
      deciding_rule: 'gate-pushes',
    });
    // A definite match of the same rule does take part in the meta-policy (priority 50 wins).
    expect(guard.decide(clean('git push fork main'))).toMatchObject({
      route: 'warn',
      deciding_rule: 'warn-unowned',
    });
  });

  it('an unparseable command: every field unknown, permits do not apply, prohibitions raise', () => {
    const guard = policy(
      `  - { id: echo-ok, modality: permit, when: { command: { program: echo } } }
  - { id: no-egress, modality: prohibit, route: approval_gate, when: { labels: [network_egress] } }
`,
      'default_route: warn\n',
    );
    const decision = guard.decide(clean("echo 'unterminated"));
    expect(decision.externality?.destination_type).toBe('unknown');
    expect(decision).toMatchObject({
      route: 'approval_gate',
      deciding_rule: 'no-egress',
      matched_rules: ['no-egress'],
    });
    expect(guard.decide(clean('echo fine'))).toMatchObject({ route: 'allow', deciding_rule: 'echo-ok' });
  });
});

describe('routes as the runtime sees them', () => {
  const guard = policy(
    `  - { id: publish-sim, modality: prohibit, route: simulate_first, when: { labels: [package_publish] } }\n`,
  );

  it('simulate_first with a dry-run form: allowed with the rewritten input', () => {
    const decision = guard.decide(clean('npm publish --access public'));
    expect(decision).toMatchObject({
      route: 'simulate_first',
      verdict: 'allow',
      updated_input: { command: 'npm publish --dry-run --access public' },
    });
    expect(decision.system_message).toContain('dry-run');
  });

  it('simulate_first for Codex exec_command input (`cmd`)', () => {
    const decision = guard.decide({
      ...clean('x'),
      tool_name: 'exec_command',
      tool_input: { cmd: 'cargo publish', yield_time_ms: 2000 },
    });
    expect(decision.updated_input).toEqual({ cmd: 'cargo publish --dry-run', yield_time_ms: 2000 });
  });

  it('simulate_first without a dry-run form: denied with the suggestion', () => {
    const decision = guard.decide(clean('twine upload dist/*'));
    expect(decision).toMatchObject({ route: 'simulate_first', verdict: 'deny' });
    expect(decision.updated_input).toBeUndefined();
    expect(decision.system_message).toContain('knows no dry-run form');
  });

  it('approval_gate is denied and orchestrated by approval', () => {
    const decision = policy(
      `  - { id: gate, modality: prohibit, route: approval_gate, when: { labels: [destructive] } }\n`,
    ).decide(clean('rm -rf build'));
    expect(decision).toMatchObject({
      route: 'approval_gate',
      verdict: 'deny',
      enforceability: 'approval_orchestrated',
    });
  });
});

describe('conditions', () => {
  it('match rules against commands inside wrappers and bash -c', () => {
    const guard = policy(`  - { id: no-curl, modality: prohibit, when: { command: { program: curl } } }\n`);
    expect(guard.decide(clean("sudo bash -c 'curl https://example.com'")).route).toBe('block');
    expect(guard.decide(clean('echo curl')).route).toBe('allow');
  });

  it('externality conditions hold for one and the same command', () => {
    const guard = policy(
      `  - { id: x, modality: prohibit, when: { destination_type: [http], external_write: [yes] } }\n`,
    );
    // The upload goes to the owned repo; the http request only reads: no single command satisfies both.
    expect(guard.decide(clean('curl https://example.com && git push origin main')).route).toBe('allow');
    expect(guard.decide(clean('curl -X POST https://example.com')).route).toBe('block');
  });

  it('paths, flags, tool globs and MCP servers', () => {
    const guard = policy(`  - { id: etc, modality: prohibit, when: { paths: { write: "/etc/**" } } }
  - { id: force, modality: prohibit, route: warn, when: { command: { program: rm, flags: [-f] } } }
  - { id: mcp-unowned-write, modality: prohibit, route: approval_gate, when: { tool: "mcp__*", destination_ownership: [unowned], external_write: [yes] } }
  - { id: mcp-github, modality: prohibit, route: warn, when: { mcp_server: github } }
`);
    expect(guard.decide(clean('echo x > /etc/motd')).route).toBe('block');
    expect(guard.decide(clean('rm -rf tmp')).route).toBe('warn');
    expect(guard.decide(clean('rm tmp')).route).toBe('allow');
    const mcp = (tool: string): GuardRequest => ({
      runtime_family: 'tool_hook',
      session_id: 's',
      tool_name: tool,
      tool_input: {},
      session: CLEAN_SESSION,
    });
    expect(guard.decide(mcp('mcp__github__create_issue'))).toMatchObject({
      route: 'approval_gate',
      externality: { destination_type: 'mcp_server' },
    });
    expect(guard.decide(mcp('mcp__github__list_issues')).route).toBe('warn');
    expect(guard.decide(mcp('mcp__acme-docs__create_page')).route).toBe('allow');
  });
});

describe('decisions', () => {
  it('are deterministic and carry the policy digest and X(a)', () => {
    const guard = policy(
      `  - { id: no-unowned, modality: prohibit, when: { destination_ownership: [unowned] } }\n`,
    );
    const request = clean('git push fork main');
    const first = guard.decide(request);
    expect(guard.decide(request)).toEqual(first);
    expect(first.policy_digest).toBe(guard.policyDigest);
    expect(first.policy_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(first.externality).toMatchObject({
      destination_ownership: 'unowned',
      enforceability_class: 'runtime_enforced',
    });
  });
});
