// `proofline.input.digest` for a tool call's arguments as the model sent them (JSON text). Equal to the hook
// side's digest of `tool_input.command` for shell tools, so both sources join on it: sha256 of the exact
// command string; for other tools, of the canonical arguments.
import { canonicalDigest, sha256Hex } from '../../schemas/digest.js';

export function argumentsDigest(argumentsText: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsText);
  } catch {
    return sha256Hex(argumentsText);
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    // Codex's shell tool names it `cmd`, the hook's tool_input names it `command`.
    const { cmd, command } = parsed as { cmd?: unknown; command?: unknown };
    if (typeof cmd === 'string') return sha256Hex(cmd);
    if (typeof command === 'string') return sha256Hex(command);
  }
  return canonicalDigest(parsed);
}
