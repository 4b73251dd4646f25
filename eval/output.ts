// Collects what a verifier command prints, to read its JSON instead of showing it.
import type { Output } from '../verifier/output.js';

export function captureOutput(): { out: Output; stdout: () => string } {
  let stdout = '';
  const discard = { write: () => undefined };
  return { out: { stdout: { write: (s: string) => (stdout += s) }, stderr: discard }, stdout: () => stdout };
}
