// Sensitive content (prompts, tool arguments and output, agent responses) is stored as a digest unless the
// operator opted in; then as redacted text beside the digest. The digest is always over the original text,
// so the same content seen by two sources (a hook and a log record) still joins.
import { canonicalize, sha256Hex } from '../../schemas/digest.js';
import type { AttrValue } from '../../schemas/observation.js';
import { redactJson, redactSecrets } from '../../schemas/redact.js';

export interface ContentPolicy {
  /** Keep redacted raw text beside the digest (operator opt-in). */
  storeContent: boolean;
}

export function contentAttrs(key: string, text: string, policy: ContentPolicy): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {
    [`${key}.sha256`]: sha256Hex(text),
    [`${key}.length`]: text.length,
  };
  if (policy.storeContent) attrs[key] = redactSecrets(text);
  return attrs;
}

/** A structure that holds content (a guard request carries the command and tool input): stored only on opt-in,
 * then redacted, as canonical JSON. Without opt-in nothing is stored; its parts have digests elsewhere. */
export function contentJsonAttr(
  key: string,
  value: unknown,
  policy: ContentPolicy,
): Record<string, AttrValue> {
  return policy.storeContent ? { [key]: canonicalize(redactJson(value)) } : {};
}
