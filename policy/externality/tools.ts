// Tool calls that are not shell commands: the runtime's own file tools, and MCP servers.
import { hostDestination, hostOf, type Ownership } from './destination.js';
import { effect, type CommandEffect } from './effect.js';

/** `mcp__server__tool` (Codex and Claude Code naming) or an explicit server field. */
export function mcpCall(
  toolName: string,
  explicitServer: string | undefined,
): { server: string; tool: string } | undefined {
  const named = /^mcp__(.+?)__(.+)$/.exec(toolName);
  if (named) return { server: named[1] as string, tool: named[2] as string };
  return explicitServer === undefined ? undefined : { server: explicitServer, tool: toolName };
}

const READ_VERBS = /^(get|list|search|read|fetch|query|find|describe|show|view|lookup|retrieve|count|check)/i;
const DELETE_VERBS = /^(delete|remove|drop|destroy|purge|close|archive)/i;
const WRITE_VERBS =
  /^(create|update|add|post|send|push|write|comment|merge|publish|upload|set|edit|assign|move|run|execute|deploy|trigger|open)/i;

export function classifyMcp(server: string, tool: string, ownership: Ownership): CommandEffect {
  const owned = ownership.mcpServers.matches(server);
  const impact = READ_VERBS.test(tool)
    ? 'read'
    : DELETE_VERBS.test(tool)
      ? 'delete'
      : WRITE_VERBS.test(tool)
        ? 'write'
        : 'unknown';
  const writes = impact === 'read' ? 'no' : impact === 'unknown' ? 'unknown' : 'yes';
  return effect({
    subcommand: tool,
    // What an MCP server the organisation does not own returns is untrusted input for whatever comes next.
    labels: [
      'mcp_call',
      'network_egress',
      ...(owned ? [] : ['untrusted_input']),
      ...(writes === 'yes' ? ['external_write'] : []),
      ...(impact === 'delete' ? ['deletion'] : []),
    ],
    context: {
      destination_type: 'mcp_server',
      destination_ownership: owned ? 'owned' : 'unowned',
      destination_visibility: owned ? 'private' : 'unknown',
      tenant_provenance: 'ambient',
      account_provenance: 'ambient',
      client_provenance: 'mcp_server',
      external_write: writes,
      // The arguments go to the server as they are; proofline does not judge their content.
      sensitive_payload: impact === 'read' ? 'no' : 'unknown',
      reversibility: impact === 'read' ? 'reversible' : impact === 'delete' ? 'irreversible' : 'unknown',
    },
  });
}

const PATCH_FILE = /^\*\*\* (?:Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$/gm;

/** The runtime's built-in file and web tools (Codex `apply_patch`, Claude-style Read/Write/Edit, web fetch). */
export function classifyAgentTool(
  toolName: string,
  input: Record<string, unknown>,
  ownership: Ownership,
): CommandEffect | undefined {
  const text = (key: string): string | undefined =>
    typeof input[key] === 'string' ? (input[key] as string) : undefined;
  const path = text('file_path') ?? text('path') ?? text('notebook_path');
  const local = { client_provenance: 'agent_tool' as const };
  switch (toolName) {
    case 'apply_patch': {
      const patch = text('input') ?? text('patch') ?? text('command') ?? '';
      const files = [...patch.matchAll(PATCH_FILE)].map((match) => (match[1] ?? match[2] ?? '').trim());
      return effect({ subcommand: toolName, writes: files, context: local });
    }
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
    case 'NotebookEdit':
    case 'write_file':
    case 'edit_file':
      return effect({ subcommand: toolName, writes: path ? [path] : [], context: local });
    case 'Read':
    case 'read_file':
    case 'view_image':
    case 'Glob':
    case 'Grep':
    case 'LS':
      return effect({ subcommand: toolName, reads: path ? [path] : [], context: local });
    case 'WebFetch':
    case 'web_fetch': {
      const host = hostOf(text('url') ?? '');
      return effect({
        subcommand: toolName,
        labels: ['network_egress', 'untrusted_input'],
        context: {
          ...local,
          destination_type: 'http',
          ...hostDestination(host, ownership),
          tenant_provenance: host ? 'explicit' : 'unknown',
        },
      });
    }
    case 'WebSearch':
    case 'web_search':
      return effect({
        subcommand: toolName,
        labels: ['network_egress', 'untrusted_input'],
        context: {
          ...local,
          destination_type: 'http',
          destination_ownership: 'unowned',
          destination_visibility: 'public',
          tenant_provenance: 'explicit',
        },
      });
    default:
      return undefined;
  }
}
