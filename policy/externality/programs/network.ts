// Programs that talk to a host named in the command: where they go, whether they send data, and which local
// files ride along as the payload.
import { hasOption, optionValues, parseArgs, type ParsedArgs } from '../argv.js';
import { hostDestination, hostOf } from '../destination.js';
import {
  effect,
  unknownEffect,
  type CommandEffect,
  type CommandContext,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import type { ShellWord } from '../simple-command.js';

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
  // A config file (`-K`) can hold any option, uploads included.
  if (hasOption(args, '-K', '--config'))
    return unknownEffect('curl', 'unknown_program', {
      labels: ['unknown_program', 'network_egress'],
      reads: optionValues(args, '-K', '--config'),
    });
  const sends =
    hasOption(args, ...CURL_DATA_OPTIONS, ...CURL_FORM_OPTIONS, '-T', '--upload-file') ||
    (method !== undefined && WRITE_METHODS.has(method));
  const authHeaders = optionValues(args, '-H', '--header').filter((header) =>
    /^\s*(authorization|x-api-key|api-key|private-token|x-auth-token)\s*:/i.test(header),
  );
  const explicitAccount =
    hasOption(args, '-u', '--user', '--oauth2-bearer', '-E', '--cert', '--aws-sigv4') ||
    authHeaders.length > 0;
  const host = firstHost(args, optionValues(args, '--url'));
  return effect({
    labels: downloadOrUpload(sends),
    uploads: [...uploads, ...uploadFiles],
    payload,
    writes: optionValues(args, '-o', '--output'),
    credentialFiles: [
      ...optionValues(args, '-E', '--cert', '--key', '--cacert', '--capath'),
      ...[...authHeaders, ...optionValues(args, '-u', '--user', '--oauth2-bearer')].filter((value) =>
        authenticatesTo(value, host, input),
      ),
    ],
    context: httpContext(host, input, sends, explicitAccount),
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
  // sftp's batch (`-b FILE`, or commands on stdin): `put FILE` uploads it.
  const batch = input.command.stdinText?.literal ? input.command.stdinText.text : '';
  const puts = [...batch.matchAll(/^\s*(?:put|mput|reput)\s+(\S+)/gm)].map((match) => match[1] ?? '');
  if (puts.length > 0)
    return effect({
      labels: ['network_egress', 'external_write'],
      uploads: puts,
      credentialFiles: optionValues(args, '-i'),
      context: remoteShell(input, host, true, hasOption(args, '-i', '-l')),
    });
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
    const recursive = hasOption(args, '-r', '-R', '-a', '--recursive', '--archive');
    return effect({
      labels: downloadOrUpload(upload),
      uploads: upload ? localSources : [],
      trees: upload && recursive ? localSources : [],
      writes: upload || destination === undefined ? [] : [destination.text],
      credentialFiles: optionValues(args, '-i'),
      context: remoteShell(input, host, upload, hasOption(args, '-i', '-e', '--rsh')),
    });
  };
}

function netcat(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, NC_VALUE_OPTIONS);
  if (hasOption(args, '-l') || args.operands.some((word) => /^(TCP|UDP|SCTP)[46]?-LISTEN:/i.test(word.text)))
    return effect({ labels: ['untrusted_input'] });
  // socat names its ends `TCP:host:port`; nc and telnet take the host first.
  const address = args.operands.find((word) => /^(TCP|UDP|SCTP|OPENSSL|SSL)[46]?:/i.test(word.text));
  const target = address ?? args.operands.find((word) => word.text !== '-');
  const host = target?.literal ? (address ? target.text.split(':')[1] : target.text) : undefined;
  // Whatever arrives on stdin is sent: a redirected file is the payload, and so is a socat `FILE:` end.
  const stdinFiles = input.command.redirects
    .filter((redirect) => redirect.kind === 'read' && redirect.target)
    .map((redirect) => redirect.target?.text ?? '')
    .concat(
      args.operands.flatMap((word) => /^(?:FILE|OPEN|GOPEN|CREATE):([^,]+)/i.exec(word.text)?.[1] ?? []),
    );
  const sends =
    stdinFiles.length > 0 || input.command.stdinFrom.length > 0 || input.command.stdinText !== undefined
      ? true
      : 'unknown';
  // `nc -e /bin/sh host port` hands a shell on this machine to whoever listens there.
  const shell =
    hasOption(args, '-e', '-c') || args.operands.some((word) => /^(EXEC|SYSTEM):/i.test(word.text));
  return effect({
    labels: [
      'network_egress',
      'untrusted_input',
      ...(sends === true ? ['external_write'] : []),
      ...(shell ? ['remote_code_execution'] : []),
    ],
    uploads: stdinFiles,
    context: {
      ...httpContext(host, input, sends === true, false),
      destination_type: 'http',
      external_write: sends === true ? 'yes' : 'unknown',
      reversibility: sends === true ? 'irreversible' : 'unknown',
    },
  });
}

/** A credential in an authentication header goes to the service it is for: an owned host, or one whose name
 * carries the vendor the variable is named after (`$GITHUB_TOKEN` to api.github.com). Anywhere else it is
 * the credential itself that leaves. */
export function authenticatesTo(value: string, host: string | undefined, input: ProgramInput): boolean {
  if (host === undefined) return false;
  if (hostDestination(host, input.env.ownership).destination_ownership === 'owned') return true;
  const vendors = [...value.matchAll(/\$\{?([A-Za-z][A-Za-z0-9]*)_/g)].map((match) =>
    (match[1] ?? '').toLowerCase(),
  );
  return (
    vendors.length > 0 && vendors.every((vendor) => vendor.length >= 3 && host.toLowerCase().includes(vendor))
  );
}

/** Lookups (DNS, ping, whois): what they send is the name they ask about, so data spelled into the name leaves
 * the machine with it; nothing else does. */
function lookup(valueOptions: ReadonlySet<string>): ProgramClassifier {
  return (input) => {
    const args = parseArgs(input.args, valueOptions);
    const names = args.operands.filter((word) => !word.text.startsWith('@') && !/^[A-Z]+$/.test(word.text));
    const server = args.operands.find((word) => word.text.startsWith('@'))?.text.slice(1);
    const host = names[0]?.literal ? names[0].text : undefined;
    return effect({
      labels: ['network_egress', 'untrusted_input'],
      payload: names.map((word) => word.text),
      context: {
        ...httpContext(server ?? host, input, false, false),
        destination_type: 'http',
        tenant_provenance: host === undefined ? 'unknown' : 'explicit',
      },
    });
  };
}

/** openssl: `s_client`/`s_server` open a connection (stdin is sent); the rest compute locally. */
function openssl(input: ProgramInput): CommandEffect {
  const verb = input.args[0]?.text ?? '';
  if (verb === 's_client' || verb === 's_server') {
    const args = parseArgs(
      input.args.slice(1),
      new Set(['-connect', '-servername', '-accept', '-port', '-cert', '-key', '-CAfile']),
    );
    const host = optionValues(args, '-connect')[0]?.replace(/:\d+$/, '');
    return effect({
      subcommand: verb,
      labels: ['network_egress', 'external_write', 'untrusted_input'],
      credentialFiles: optionValues(args, '-cert', '-key', '-CAfile'),
      context: { ...httpContext(host, input, true, false), destination_type: 'http' },
    });
  }
  const args = parseArgs(
    input.args.slice(1),
    new Set(['-in', '-out', '-inkey', '-passin', '-passout', '-pass', '-k', '-K', '-iv', '-md', '-name']),
  );
  return effect({
    subcommand: verb,
    reads: [...optionValues(args, '-in', '-inkey'), ...args.operands.map((word) => word.text)],
    writes: optionValues(args, '-out'),
  });
}

/** Mail: the message (stdin, `-a` attachments, a body option) goes to the recipients named. */
function mail(input: ProgramInput): CommandEffect {
  const args = parseArgs(
    input.args,
    new Set([
      '-s',
      '-a',
      '-A',
      '-c',
      '-b',
      '-r',
      '-f',
      '--to',
      '--from',
      '--server',
      '--body',
      '--attach',
      '--header',
      '-t',
      '--data',
    ]),
  );
  const recipient =
    args.operands.find((word) => word.text.includes('@'))?.text ?? optionValues(args, '--to')[0];
  const domain = recipient?.split('@')[1];
  return effect({
    labels: ['network_egress', 'external_write'],
    uploads: optionValues(args, '-a', '-A', '--attach').concat(
      optionValues(args, '--data')
        .filter((value) => value.startsWith('@'))
        .map((value) => value.slice(1)),
    ),
    payload: optionValues(args, '-s', '--body', '--header'),
    context: { ...httpContext(domain, input, true, false), destination_type: 'http' },
  });
}

/** Programs that move data to or from a remote named in a URL or `remote:path`, verb first. */
function transfer(uploadVerbs: RegExp, readVerbs: RegExp): ProgramClassifier {
  return (input) => {
    const words = input.args.filter((word) => !word.text.startsWith('-'));
    const verb = words[0]?.text ?? '';
    if (readVerbs.test(verb))
      return effect({
        subcommand: verb,
        labels: ['network_egress', 'untrusted_input'],
        context: {
          destination_type: 'cloud_api',
          destination_ownership: 'unknown',
          destination_visibility: 'unknown',
          tenant_provenance: 'ambient',
          account_provenance: 'ambient',
        },
      });
    if (!uploadVerbs.test(verb)) return unknownEffect(verb);
    const [, ...paths] = words;
    const target = paths[paths.length - 1];
    const local = paths
      .slice(0, -1)
      .filter((word) => !/^[a-z0-9]+:/i.test(word.text))
      .map((word) => word.text);
    const remote = target !== undefined && /^[a-z0-9+.-]+:/i.test(target.text);
    return effect({
      subcommand: verb,
      labels: remote ? ['network_egress', 'external_write'] : ['network_egress', 'untrusted_input'],
      uploads: remote ? local : [],
      trees: remote ? local : [],
      writes: remote ? [] : target ? [target.text] : [],
      context: {
        destination_type: 'cloud_api',
        destination_ownership: 'unknown',
        destination_visibility: 'unknown',
        tenant_provenance: 'ambient',
        account_provenance: 'ambient',
        external_write: remote ? 'yes' : 'no',
        reversibility: remote ? 'irreversible' : 'reversible',
      },
    });
  };
}

/** httpie and xh: `http [METHOD] URL [ITEM…]`; `key=value` items and `@file` bodies make it a send. */
function httpie(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, new Set(['-a', '--auth', '-o', '--output', '--session', '-A']));
  const words = args.operands;
  const methodFirst = words[0] !== undefined && /^[A-Z]+$/.test(words[0].text);
  const url = words[methodFirst ? 1 : 0];
  const items = words.slice(methodFirst ? 2 : 1);
  const method = methodFirst ? words[0]?.text : undefined;
  const uploads = items.flatMap((word) => /^[^=:@]*(?:=@|@)(.+)$/.exec(word.text)?.[1] ?? []);
  const sends =
    items.some((word) => /[=@]/.test(word.text)) ||
    (method !== undefined && WRITE_METHODS.has(method)) ||
    hasOption(args, '-f', '--form', '--raw');
  return effect({
    labels: downloadOrUpload(sends),
    uploads,
    payload: items.map((word) => word.text),
    writes: optionValues(args, '-o', '--output'),
    context: httpContext(
      url?.literal ? hostOf(url.text.startsWith(':') ? `localhost${url.text}` : url.text) : undefined,
      input,
      sends,
      hasOption(args, '-a', '--auth'),
    ),
  });
}

const DIG_VALUE_OPTIONS = new Set(['-t', '-c', '-p', '-b', '-f', '-k', '-q', '-x', '-y']);

export const NETWORK_PROGRAMS: Record<string, ProgramClassifier> = {
  dig: lookup(DIG_VALUE_OPTIONS),
  drill: lookup(DIG_VALUE_OPTIONS),
  nslookup: lookup(new Set(['-type', '-port', '-timeout'])),
  host: lookup(new Set(['-t', '-c', '-W', '-R', '-N', '-m'])),
  ping: lookup(new Set(['-c', '-i', '-s', '-p', '-t', '-W', '-w', '-I', '-Q'])),
  ping6: lookup(new Set(['-c', '-i', '-s', '-p', '-t', '-W', '-w', '-I'])),
  traceroute: lookup(new Set(['-m', '-p', '-q', '-w', '-f', '-i', '-s'])),
  whois: lookup(new Set(['-h', '-p'])),
  openssl,
  mail,
  mailx: mail,
  mutt: mail,
  sendmail: mail,
  swaks: mail,
  http: httpie,
  https: httpie,
  xh: httpie,
  rclone: transfer(
    /^(copy|copyto|sync|move|moveto|rcat)$/,
    /^(ls|lsd|lsf|lsl|cat|size|check|about|listremotes|config)$/,
  ),
  s3cmd: transfer(/^(put|sync|cp|mv)$/, /^(ls|la|get|info|du)$/),
  gsutil: transfer(/^(cp|mv|rsync)$/, /^(ls|cat|du|stat)$/),
  azcopy: transfer(/^(copy|cp|sync)$/, /^(list|ls)$/),
  mc: transfer(/^(cp|mv|mirror|pipe)$/, /^(ls|cat|stat|du)$/),
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
  socat: netcat,
};
