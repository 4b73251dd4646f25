// Programs that talk to a host named in the command: where they go, whether they send data, and which local
// files ride along as the payload.
import { hasOption, optionValues, parseArgs, type ParsedArgs } from '../argv.js';
import { hostDestination, hostOf } from '../destination.js';
import {
  effect,
  type CommandEffect,
  type CommandContext,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import type { ShellWord } from '../shell.js';

const CURL_DATA_OPTIONS = [
  '-d',
  '--data',
  '--data-binary',
  '--data-raw',
  '--data-ascii',
  '--data-urlencode',
  '--json',
];
const CURL_FORM_OPTIONS = ['-F', '--form'];
const CURL_VALUE_OPTIONS = new Set([
  ...CURL_DATA_OPTIONS,
  ...CURL_FORM_OPTIONS,
  '--form-string',
  '-T',
  '--upload-file',
  '-H',
  '--header',
  '-X',
  '--request',
  '-o',
  '--output',
  '-u',
  '--user',
  '-A',
  '--user-agent',
  '-e',
  '--referer',
  '-b',
  '--cookie',
  '-c',
  '--cookie-jar',
  '-x',
  '--proxy',
  '--url',
  '-K',
  '--config',
  '-w',
  '--write-out',
  '-m',
  '--max-time',
  '--connect-timeout',
  '--retry',
  '-r',
  '--range',
  '-E',
  '--cert',
  '--key',
  '--cacert',
  '-C',
  '--continue-at',
  '--resolve',
  '--oauth2-bearer',
  '-U',
  '--proxy-user',
  '--limit-rate',
  '-z',
  '--time-cond',
  '--max-redirs',
  '--interface',
  '--dns-servers',
  '--aws-sigv4',
  '--variable',
]);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const WGET_VALUE_OPTIONS = new Set([
  '-O',
  '--output-document',
  '-o',
  '--output-file',
  '-P',
  '--directory-prefix',
  '--post-data',
  '--post-file',
  '--body-data',
  '--body-file',
  '--method',
  '--header',
  '-U',
  '--user-agent',
  '--user',
  '--password',
  '-t',
  '--tries',
  '-T',
  '--timeout',
  '-e',
  '--execute',
  '-i',
  '--input-file',
]);

const SSH_VALUE_OPTIONS = new Set([
  '-p',
  '-i',
  '-l',
  '-o',
  '-F',
  '-J',
  '-L',
  '-R',
  '-D',
  '-W',
  '-b',
  '-c',
  '-E',
  '-e',
  '-I',
  '-m',
  '-O',
  '-Q',
  '-S',
  '-w',
  '-B',
]);
const SCP_VALUE_OPTIONS = new Set(['-P', '-i', '-o', '-F', '-J', '-c', '-l', '-S']);
const RSYNC_VALUE_OPTIONS = new Set([
  '-e',
  '--rsh',
  '--exclude',
  '--include',
  '--filter',
  '-f',
  '--exclude-from',
  '--include-from',
  '--files-from',
  '--port',
  '--password-file',
  '--chmod',
  '--timeout',
]);
const NC_VALUE_OPTIONS = new Set(['-p', '-s', '-w', '-i', '-q', '-X', '-x', '-e', '-c']);

/** Sent as a payload: `@file` and `<file` name a file whose content goes out; the rest is the data itself. */
function payloadOf(values: string[]): { uploads: string[]; payload: string[] } {
  const uploads: string[] = [];
  const payload: string[] = [];
  for (const value of values) {
    const file = /^[@<](.+)$/.exec(value)?.[1] ?? /^[^=]*=[@<](.+?)(?:;.*)?$/.exec(value)?.[1];
    if (file !== undefined && file !== '-') uploads.push(file);
    else payload.push(value);
  }
  return { uploads, payload };
}

function httpContext(
  host: string | undefined,
  input: ProgramInput,
  sends: boolean,
  explicitAccount: boolean,
): Partial<CommandContext> {
  return {
    destination_type: 'http',
    ...hostDestination(host, input.env.ownership),
    tenant_provenance: host === undefined ? 'unknown' : 'explicit',
    account_provenance: explicitAccount ? 'explicit' : 'none',
    external_write: sends ? 'yes' : 'no',
    // Data handed to another host cannot be called back.
    reversibility: sends ? 'irreversible' : 'reversible',
  };
}

function firstHost(args: ParsedArgs, urls: string[]): string | undefined {
  const url = urls[0] ?? args.operands.find((word) => word.literal)?.text;
  const dynamic = urls.length === 0 && args.operands[0] !== undefined && !args.operands[0].literal;
  return dynamic || url === undefined ? undefined : hostOf(url);
}

function downloadOrUpload(sends: boolean): string[] {
  return sends ? ['network_egress', 'external_write'] : ['network_egress', 'untrusted_input'];
}

function curl(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, CURL_VALUE_OPTIONS);
  const { uploads, payload } = payloadOf([
    ...optionValues(args, ...CURL_DATA_OPTIONS),
    ...optionValues(args, ...CURL_FORM_OPTIONS),
  ]);
  const uploadFiles = optionValues(args, '-T', '--upload-file').filter((file) => file !== '-');
  const method = optionValues(args, '-X', '--request')[0]?.toUpperCase();
  const sends =
    hasOption(args, ...CURL_DATA_OPTIONS, ...CURL_FORM_OPTIONS, '-T', '--upload-file') ||
    (method !== undefined && WRITE_METHODS.has(method));
  const explicitAccount =
    hasOption(args, '-u', '--user', '--oauth2-bearer', '-E', '--cert', '--aws-sigv4') ||
    optionValues(args, '-H', '--header').some((header) =>
      /^\s*(authorization|x-api-key|private-token)\s*:/i.test(header),
    );
  return effect({
    labels: downloadOrUpload(sends),
    uploads: [...uploads, ...uploadFiles],
    payload,
    writes: optionValues(args, '-o', '--output'),
    context: httpContext(firstHost(args, optionValues(args, '--url')), input, sends, explicitAccount),
  });
}

function wget(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, WGET_VALUE_OPTIONS);
  const uploads = optionValues(args, '--post-file', '--body-file');
  const method = optionValues(args, '--method')[0]?.toUpperCase();
  const sends =
    uploads.length > 0 ||
    hasOption(args, '--post-data', '--body-data') ||
    (method !== undefined && WRITE_METHODS.has(method));
  return effect({
    labels: downloadOrUpload(sends),
    uploads,
    payload: optionValues(args, '--post-data', '--body-data'),
    writes: optionValues(args, '-O', '--output-document'),
    context: httpContext(
      firstHost(args, []),
      input,
      sends,
      hasOption(args, '--user', '--password', '--header'),
    ),
  });
}

/** `user@host:path` (scp, rsync) or `rsync://host/…`; undefined for a local path. */
function remoteHost(word: ShellWord): string | undefined {
  if (word.text.startsWith('rsync://') || word.text.startsWith('scp://')) return hostOf(word.text);
  const match = /^(?:[^@/:]+@)?(\[[^\]]+\]|[^/:]+):/.exec(word.text);
  return match?.[1]?.replace(/^\[|\]$/g, '');
}

function remoteShell(
  input: ProgramInput,
  host: string | undefined,
  sends: boolean | 'unknown',
  explicitKey: boolean,
): Partial<CommandContext> {
  return {
    destination_type: 'ssh',
    ...hostDestination(host, input.env.ownership),
    tenant_provenance: host === undefined ? 'unknown' : 'explicit',
    account_provenance: explicitKey ? 'explicit' : 'ambient',
    external_write: sends === 'unknown' ? 'unknown' : sends ? 'yes' : 'no',
    reversibility: sends === false ? 'reversible' : sends === true ? 'irreversible' : 'unknown',
  };
}

function ssh(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, SSH_VALUE_OPTIONS);
  const target = args.operands[0];
  const host = target?.literal ? hostOf(`ssh://${target.text}`) : undefined;
  // A remote command (or an interactive shell) can do anything on the other side.
  return effect({
    labels: ['network_egress', 'untrusted_input'],
    credentialFiles: optionValues(args, '-i'),
    context: remoteShell(input, host, 'unknown', hasOption(args, '-i', '-l')),
  });
}

function copyToRemote(valueOptions: ReadonlySet<string>): ProgramClassifier {
  return (input) => {
    const args = parseArgs(input.args, valueOptions);
    const destination = args.operands[args.operands.length - 1];
    const sources = args.operands.slice(0, -1);
    const upload = destination !== undefined && remoteHost(destination) !== undefined;
    const remote = upload ? destination : sources.find((word) => remoteHost(word) !== undefined);
    if (remote === undefined)
      return effect({
        reads: sources.map((word) => word.text),
        writes: destination ? [destination.text] : [],
      });
    const host = remoteHost(remote);
    const localSources = sources.filter((word) => remoteHost(word) === undefined).map((word) => word.text);
    return effect({
      labels: downloadOrUpload(upload),
      uploads: upload ? localSources : [],
      writes: upload || destination === undefined ? [] : [destination.text],
      credentialFiles: optionValues(args, '-i'),
      context: remoteShell(input, host, upload, hasOption(args, '-i', '-e', '--rsh')),
    });
  };
}

function netcat(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, NC_VALUE_OPTIONS);
  if (hasOption(args, '-l')) return effect({ labels: ['untrusted_input'] });
  const host = args.operands[0]?.literal ? args.operands[0].text : undefined;
  // Whatever arrives on stdin is sent: a redirected file is the payload.
  const stdinFiles = input.command.redirects
    .filter((redirect) => redirect.kind === 'read' && redirect.target)
    .map((redirect) => redirect.target?.text ?? '');
  const sends = stdinFiles.length > 0 || input.command.pipedFrom.length > 0 ? true : 'unknown';
  return effect({
    labels: ['network_egress', 'untrusted_input', ...(sends === true ? ['external_write'] : [])],
    uploads: stdinFiles,
    context: {
      ...httpContext(host, input, sends === true, false),
      destination_type: 'http',
      external_write: sends === true ? 'yes' : 'unknown',
      reversibility: sends === true ? 'irreversible' : 'unknown',
    },
  });
}

export const NETWORK_PROGRAMS: Record<string, ProgramClassifier> = {
  curl,
  wget,
  ssh,
  scp: copyToRemote(SCP_VALUE_OPTIONS),
  rsync: copyToRemote(RSYNC_VALUE_OPTIONS),
  sftp: ssh,
  nc: netcat,
  ncat: netcat,
  netcat,
  telnet: netcat,
};
