// Stopping proofline's server (or sending it a signal, such as the SIGHUP that reloads the policy): `kill` of
// its pid, of every process (-1, 0, a group), of a pid not known statically (`kill $(pgrep -f proofline)`,
// `… | xargs kill`); `pkill`/`killall` with a pattern that matches it or is not known; a service manager
// stopping something named proofline; `fuser -k`.
import { literalText } from './shell-words.js';
import type { Invocation } from './programs.js';

export interface ServerProcess {
  pids: readonly number[];
  /** Process names it may go by (`node`, `proofline`). */
  names: readonly string[];
  /** Its full command line, for `pkill -f`. */
  commandLine: string;
}

const KILLERS = new Set(['kill', 'pkill', 'killall', 'skill', 'tkill']);
const SERVICE_MANAGERS = new Set([
  'systemctl',
  'service',
  'launchctl',
  'supervisorctl',
  'pm2',
  'sv',
  'rc-service',
  'initctl',
]);
const STOP_VERBS = new Set([
  'stop',
  'kill',
  'restart',
  'disable',
  'mask',
  'unload',
  'bootout',
  'remove',
  'delete',
  'reload',
  'try-restart',
  'force-reload',
  'down',
  'term',
  'hup',
  'signal',
]);
/** Options of pkill/killall that take a value (which is not a pattern). */
const VALUED = new Set([
  '-s',
  '--signal',
  '-u',
  '--euid',
  '-U',
  '--uid',
  '-g',
  '--pgroup',
  '-G',
  '--group',
  '-P',
  '--parent',
  '-t',
  '--terminal',
  '--session',
  '--ns',
  '--nslist',
  '-o',
  '--older-than',
  '-y',
  '--younger-than',
  '-n',
]);

export function stopsServer(invocation: Invocation, server: ServerProcess): string | undefined {
  const { program, args, viaXargs } = invocation;
  if (program === undefined) return undefined;
  const texts = args.map(literalText);
  if (KILLERS.has(program) && viaXargs) return `runs ${program} on process ids read from its input`;
  if (program === 'kill' || program === 'tkill') return killTargets(texts, server);
  if (program === 'pkill' || program === 'killall' || program === 'skill') {
    const patterns: Array<string | undefined> = [];
    for (let i = 0; i < texts.length; i += 1) {
      const text = texts[i];
      if (text !== undefined && VALUED.has(text)) i += 1;
      else if (text === undefined || !text.startsWith('-')) patterns.push(text);
    }
    const full = texts.includes('-f') || texts.includes('--full');
    for (const pattern of patterns) {
      if (pattern === undefined) return `runs ${program} with a pattern not known statically`;
      if (matchesServer(pattern, server, full, program === 'killall' && !texts.includes('-r')))
        return `runs ${program} ${pattern}, which matches proofline's server`;
    }
    return undefined;
  }
  if (
    SERVICE_MANAGERS.has(program) &&
    texts.some((t) => t !== undefined && STOP_VERBS.has(t.toLowerCase()))
  ) {
    if (texts.some((t) => t === undefined || /proofline/i.test(t)))
      return `runs ${program} to stop a service that is or may be proofline`;
  }
  if (program === 'fuser' && texts.some((t) => t !== undefined && /^-[a-zA-Z]*k/.test(t)))
    return 'runs fuser -k, which kills whatever holds a file or port';
  return undefined;
}

function killTargets(texts: ReadonlyArray<string | undefined>, server: ServerProcess): string | undefined {
  let operands = false;
  for (let i = 0; i < texts.length; i += 1) {
    const text = texts[i];
    if (text === undefined) return 'runs kill on a process id not known statically';
    if (!operands && (text === '-s' || text === '-n')) {
      i += 1;
      continue;
    }
    if (!operands && text === '--') {
      operands = true;
      continue;
    }
    if (!operands && /^-(?:[A-Za-z]+[0-9]*|[0-9]+)$/.test(text) && !/^-[0-9]+$/.test(text)) continue;
    if (!operands && /^-[0-9]+$/.test(text) && i === 0 && texts.length > 1) continue; // -9 is a signal
    if (text === '-l' || text === '-L') return undefined;
    if (text.startsWith('%')) continue; // a job of the agent's own shell
    const pid = Number(text);
    if (!Number.isInteger(pid)) continue;
    if (pid <= 0) return `runs kill ${text}, which signals a whole process group or every process`;
    if (server.pids.includes(pid)) return `runs kill ${text}: proofline's server`;
  }
  return undefined;
}

function matchesServer(pattern: string, server: ServerProcess, full: boolean, exact: boolean): boolean {
  if (exact) return server.names.includes(pattern);
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch {
    return true; // pkill would refuse it; the agent meant something, and it cannot be told what
  }
  return (full && regex.test(server.commandLine)) || server.names.some((name) => regex.test(name));
}
