// Runs test/deploy/composecheck: compose-spec/compose-go (the loader Docker Compose uses) judging compose files
// with no container engine.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { goBinary } from '../go-binary.js';

const GO_DIR = fileURLToPath(new URL('./composecheck/', import.meta.url));

export type ComposeResult = { ok: true; project: ComposeProject } | { ok: false; error: string };

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: { host_ip?: string; target: number; published?: string }[];
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  secrets?: { source: string; target?: string }[];
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  user?: string;
  healthcheck?: { disable?: boolean };
}

export interface ComposeProject {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
}

/** Loads `file` with the given profiles enabled. */
export function loadCompose(file: string, profiles: string[] = []): ComposeResult {
  const args = [...profiles.flatMap((profile) => ['-profile', profile]), file];
  const run = spawnSync(goBinary(GO_DIR, 'composecheck', 'deploy'), args, { maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) return { ok: false, error: run.stderr.toString().trim() };
  return { ok: true, project: JSON.parse(run.stdout.toString()) as ComposeProject };
}
