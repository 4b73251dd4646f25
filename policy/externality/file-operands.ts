// The files a shell command names, per simple command, as the guard itself reads them: what each one reads,
// writes, and sends away. The server uses it to know which files a hook's command touches (and digest them)
// with the same parser and program models as the decision, so the two cannot disagree.
import { posix } from 'node:path';

import { compileOwnership } from './destination.js';
import { analyseLine } from './line.js';
import { DEFAULT_CLASS_PATHS, SecretPaths } from './secrets.js';

export interface CommandFiles {
  /** The program as the shell resolves it (wrappers such as `sudo` peeled off); '' for a bare redirection. */
  program: string;
  /** The simple command's words, quotes removed. */
  text: string;
  /** Absolute paths the command reads (uploads excluded). */
  reads: string[];
  /** Absolute paths it creates, changes or deletes. */
  writes: string[];
  /** Absolute paths of local files whose content it sends away (`curl -d @f`, `-T f`, `-F x=@f`, `scp f host:`). */
  uploads: string[];
  /** The absolute path of the program when the command runs it by path (`./build.sh`), else empty. */
  executes: string[];
}

export interface FileOperandOptions {
  /** The user's home directory, to make `~/…` absolute; without it `~/…` paths are left out. */
  home?: string;
}

const NO_OWNERSHIP = compileOwnership({ git_orgs: [], hosts: [], registries: [], mcp_servers: [] });
const SECRETS = new SecretPaths(DEFAULT_CLASS_PATHS);

/**
 * The file operands of each simple command of `commandLine`, run in `cwd` (absolute): paths resolved against
 * cwd, URLs and remote `host:path` targets never turned into paths, glob operands kept as written. Throws
 * ShellParseError (shell.ts) when the line does not parse.
 */
export function fileOperands(
  commandLine: string,
  cwd: string,
  options: FileOperandOptions = {},
): CommandFiles[] {
  const statics = analyseLine(commandLine, {
    ownership: NO_OWNERSHIP,
    secrets: SECRETS,
    cwd,
    workspaceRoot: cwd,
    gitRemoteUrl: () => undefined,
  });
  const absolute = (paths: readonly string[]): string[] =>
    paths.flatMap((path) => {
      if (!path.startsWith('~')) return [path];
      if (options.home === undefined || !/^~(\/|$)/.test(path)) return [];
      return [posix.join(options.home, path.slice(1))];
    });
  return statics.map((item) => {
    const uploads = new Set(item.uploads);
    return {
      program: item.program,
      text: item.command.text,
      reads: absolute(item.reads.filter((path) => !uploads.has(path))),
      writes: absolute(item.writes),
      uploads: absolute(item.uploads),
      executes: runsByPath(item.command.argv[0]?.text, cwd),
    };
  });
}

function runsByPath(program: string | undefined, cwd: string): string[] {
  if (program === undefined || !program.includes('/') || program.startsWith('~')) return [];
  return [posix.resolve(cwd, program)];
}
