// Whether the runtime's own sandbox would stop what an allowed action does beyond it (issue 12.6): the guard
// is one layer and no classifier is complete, so an action the guard lets through counts as
// `runtime_enforced` only when the sandbox in force (GuardRequest.confinement) would have stopped every effect
// of it that could do harm outside it; otherwise the guard's word is all there is, and the action is
// `advisory`. Codex's sandboxes (Landlock + seccomp on Linux): `read-only` stops every write and the network,
// `workspace-write` stops writes outside the workspace and its writable roots and, unless
// `network_access = true`, the network; neither stops a read, and `danger-full-access` stops nothing.
import type { RuntimeConfinement } from '../../schemas/guard.js';
import type { ActionFacts } from './classify.js';

const CONFINING = new Set(['read-only', 'workspace-write']);

export function sandboxEnforceability(
  facts: ActionFacts,
  confinement: RuntimeConfinement | undefined,
): 'runtime_enforced' | 'advisory' {
  if (confinement === undefined || !CONFINING.has(confinement.sandbox)) return 'advisory';
  // A line the guard could not read may do anything, a read of a secret included.
  if (!facts.parsed) return 'advisory';
  const labels = new Set(facts.labels);
  const context = facts.externality;
  // MCP servers and the runtime's own web tools run outside the command sandbox.
  if (
    context.client_provenance === 'mcp_server' ||
    (context.client_provenance === 'agent_tool' && context.destination_type !== 'none')
  )
    return 'advisory';
  // No sandbox stops a read: what the action reads, it has read.
  if (labels.has('secret_read')) return 'advisory';
  const egress =
    labels.has('network_egress') || labels.has('unknown_egress') || context.destination_type !== 'none';
  if (egress && confinement.network_access !== false) return 'advisory';
  // workspace-write lets commands change the workspace: a destructive change there is not stopped.
  if (labels.has('destructive') && confinement.sandbox !== 'read-only') return 'advisory';
  return 'runtime_enforced';
}
