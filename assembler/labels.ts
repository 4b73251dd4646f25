// Flow labels an observation carries on its own, before propagation along the dependency graph (ARCHITECTURE.md §6).
// Kept deliberately small and in one place: another issue extends these rules, and the verifier recomputes
// them in SQL, so every rule must stay a plain predicate over one observation's attributes.
import type { Observation } from '../schemas/observation.js';
import { jsonAttr, stringAttr } from './attrs.js';
import { ATTR } from '../schemas/attributes.js';

export type FlowLabel = 'untrusted_input' | 'sensitive';

/** Tools whose results come from the network: what they return was written by someone else. */
const NETWORK_TOOLS = new Set(['web_search', 'web_fetch', 'WebSearch', 'WebFetch', 'fetch']);

/** Paths that conventionally hold credentials. Matched against the path's base name or a suffix of it. */
const SECRET_PATH_PATTERNS: readonly RegExp[] = [
  /(^|\/)\.env(\.[^/]*)?$/,
  /(^|\/)id_(rsa|dsa|ecdsa|ed25519)$/,
  /\.(pem|key|p12|pfx)$/,
  /(^|\/)\.aws\/credentials$/,
  /(^|\/)\.netrc$/,
  /(^|\/)\.npmrc$/,
  /(^|\/)(credentials|secrets?)(\.[a-z]+)?$/i,
];

export function isSecretPath(path: string): boolean {
  return SECRET_PATH_PATTERNS.some((pattern) => pattern.test(path));
}

export function ownLabels(obs: Observation): FlowLabel[] {
  const labels: FlowLabel[] = [];
  if (obs.kind === 'tool_result' && isExternalResult(obs)) labels.push('untrusted_input');
  if (namedPaths(obs).some(isSecretPath)) labels.push('sensitive');
  return labels;
}

function isExternalResult(obs: Observation): boolean {
  const tool = stringAttr(obs, ATTR.toolName) ?? stringAttr(obs, 'tool_name');
  if (tool !== undefined && NETWORK_TOOLS.has(tool)) return true;
  // Codex sets mcp_server on results of MCP tools; any MCP server is outside the runtime's own tool set.
  const mcpServer = stringAttr(obs, 'mcp_server');
  return mcpServer !== undefined && mcpServer !== '';
}

/** Files the observation says a tool touches: the assumption's `proofline.files` list, or a file_path attr. */
function namedPaths(obs: Observation): string[] {
  const paths: string[] = [];
  const direct = stringAttr(obs, 'file_path');
  if (direct !== undefined) paths.push(direct);
  const files = jsonAttr(obs, ATTR.files);
  if (Array.isArray(files)) {
    for (const entry of files as unknown[]) {
      const path = (entry as { path?: unknown } | null)?.path;
      if (typeof path === 'string') paths.push(path);
    }
  }
  return paths;
}
