// The demo's policies, one per kind of answer the captures' own hooks gave (`hook_capture.py <dir> <mode>`).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEMO_POLICY_DIR = [resolve(HERE, '../../deploy/demo'), resolve(HERE, '../deploy/demo')].find(
  existsSync,
);

const POLICY_BY_HOOK_MODE: Record<string, string> = {
  deny: 'deny-shell-redirects.yaml',
  'deny-exit2': 'deny-shell-redirects.yaml',
  'block-legacy': 'deny-shell-redirects.yaml',
  'permreq-deny': 'deny-escalations.yaml',
};

/** The policy file for a capture's hook mode; undefined means allow-all. */
export function demoPolicyFile(hookMode: string): string | undefined {
  const file = POLICY_BY_HOOK_MODE[hookMode];
  if (!file) return undefined;
  if (!DEMO_POLICY_DIR) throw new Error('deploy/demo policies not found');
  return join(DEMO_POLICY_DIR, file);
}
