// One action may run several commands; its X(a) is the combination that keeps the worst of each field, where
// a certain worst value beats `unknown` (a `curl -d @x … ; ./script` certainly writes externally) and
// `unknown` beats any lesser certainty.
import type { EnforceabilityClass, ExternalityContext } from '../../schemas/guard.js';
import type { RuntimeFamily } from '../../schemas/observation.js';
import type { CommandContext } from './effect.js';

type Field = keyof CommandContext;

/** Each field's values from harmless to worst, `unknown` excluded. */
const SEVERITY: { [F in Field]: ReadonlyArray<Exclude<CommandContext[F], 'unknown'>> } = {
  destination_type: [
    'none',
    'vcs_remote',
    'package_registry',
    'http',
    'ssh',
    'database',
    'cloud_api',
    'cluster',
    'mcp_server',
  ],
  destination_visibility: ['none', 'private', 'public'],
  destination_ownership: ['none', 'owned', 'unowned'],
  tenant_provenance: ['none', 'explicit', 'ambient'],
  account_provenance: ['none', 'explicit', 'ambient'],
  client_provenance: ['agent_tool', 'known_cli', 'mcp_server'],
  external_write: ['no', 'yes'],
  sensitive_payload: ['no', 'yes'],
  reversibility: ['reversible', 'irreversible'],
};

const FIELDS = Object.keys(SEVERITY) as Field[];

function worst<F extends Field>(field: F, values: Array<CommandContext[F]>): CommandContext[F] {
  const order = SEVERITY[field] as ReadonlyArray<CommandContext[F]>;
  const top = order[order.length - 1] as CommandContext[F];
  if (values.includes(top)) return top;
  if (values.includes('unknown' as CommandContext[F])) return 'unknown' as CommandContext[F];
  return values.reduce(
    (a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a),
    order[0] as CommandContext[F],
  );
}

export function mergeContexts(contexts: CommandContext[]): CommandContext {
  const merged = {} as Record<Field, string>;
  for (const field of FIELDS)
    merged[field] = worst(
      field,
      contexts.map((context) => context[field]),
    );
  return merged as unknown as CommandContext;
}

/** Which runtimes can stop an action before it runs (ARCHITECTURE.md §5): hooks and gateways can; SDK callbacks
 * only advise, and managed platforms are seen after the fact. */
const ENFORCEABILITY: Record<RuntimeFamily, EnforceabilityClass> = {
  tool_hook: 'runtime_enforced',
  gateway: 'runtime_enforced',
  framework_sdk: 'advisory',
  managed_platform: 'post_hoc_observed',
};

export function withEnforceability(context: CommandContext, family: RuntimeFamily): ExternalityContext {
  return { ...context, enforceability_class: ENFORCEABILITY[family] ?? 'unknown' };
}
