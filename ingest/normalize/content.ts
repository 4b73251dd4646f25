// Sensitive content (prompts, tool arguments and output, agent responses) is stored as a digest unless the
// operator opted in; then as redacted text beside the digest. The digest is always over the original text,
// so the same content seen by two sources (a hook and a log record) still joins.
import { sha256Hex } from '../../schemas/digest.js';
import type { AttrValue } from '../../schemas/observation.js';
import { redactSecrets } from './redact.js';

export interface ContentPolicy {
  /** Keep redacted raw text beside the digest (operator opt-in). */
  storeContent: boolean;
}

export function contentAttrs(key: string, text: string, policy: ContentPolicy): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = { [`${key}.sha256`]: sha256Hex(text), [`${key}.length`]: text.length };
  if (policy.storeContent) attrs[key] = redactSecrets(text);
  return attrs;
}
