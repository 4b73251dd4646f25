// Programs whose output is a credential: key stores and password managers, secret managers in the cloud, the
// credential helpers of git and the forges, the agents' own token printers. Running one prints the secret,
// so it is a secret read however innocuous the file names on its command line.
import { hasOption, parseArgs } from '../argv.js';
import {
  effect,
  unknownEffect,
  type CommandEffect,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import { CREDENTIALS_CLASS, PRIVATE_KEY_CLASS } from '../secrets.js';

const reveals = (dataClass: string, subcommand = ''): CommandEffect =>
  effect({ subcommand, secretOutput: [dataClass] });

function gpg(input: ProgramInput): CommandEffect {
  const args = parseArgs(
    input.args,
    new Set(['-o', '--output', '-r', '--recipient', '-u', '--local-user', '--homedir']),
  );
  const secretExport = hasOption(args, '--export-secret-keys', '--export-secret-subkeys', '--export-ssh-key');
  if (secretExport)
    return effect({
      subcommand: 'export-secret',
      secretOutput: [PRIVATE_KEY_CLASS],
      writes: args.options.get('-o') ?? args.options.get('--output') ?? [],
    });
  // `--decrypt` prints what was encrypted, which is a secret by construction.
  if (hasOption(args, '-d', '--decrypt'))
    return effect({
      subcommand: 'decrypt',
      reads: args.operands.map((word) => word.text),
      secretOutput: [CREDENTIALS_CLASS],
    });
  if (hasOption(args, '--send-keys', '--keyserver', '--recv-keys', '--refresh-keys', '--search-keys'))
    return unknownEffect('keyserver');
  return effect({
    subcommand: 'gpg',
    reads: args.operands.map((word) => word.text),
    writes: args.options.get('-o') ?? args.options.get('--output') ?? [],
  });
}

/** macOS `security`: find-*-password prints the password, dump-keychain the whole keychain. */
function security({ args }: ProgramInput): CommandEffect {
  const verb = args[0]?.text ?? '';
  if (/^(find-(generic|internet)-password|dump-keychain|export)$/.test(verb))
    return reveals(CREDENTIALS_CLASS, verb);
  if (/^(list-keychains|show-keychain-info|default-keychain)$/.test(verb))
    return effect({ subcommand: verb });
  return unknownEffect(verb);
}

/** A password manager's CLI: every verb that shows an entry prints its secret. */
function passwordManager(showVerbs: RegExp, listVerbs: RegExp): ProgramClassifier {
  return ({ args }) => {
    const words = args.filter((word) => !word.text.startsWith('-')).map((word) => word.text);
    const verb = words[0] ?? '';
    if (listVerbs.test(verb) || args.length === 0) return effect({ subcommand: verb });
    if (showVerbs.test(verb) || words.length === 1) return reveals(CREDENTIALS_CLASS, verb);
    return unknownEffect(verb);
  };
}

function vault({ args }: ProgramInput): CommandEffect {
  const words = args.filter((word) => !word.text.startsWith('-')).map((word) => word.text);
  const [verb = '', sub = ''] = words;
  if (
    verb === 'read' ||
    (verb === 'kv' && sub === 'get') ||
    verb === 'print' ||
    (verb === 'token' && sub === 'lookup')
  )
    return reveals(CREDENTIALS_CLASS, `${verb} ${sub}`.trim());
  if (verb === 'status' || verb === 'version' || (verb === 'kv' && sub === 'list'))
    return effect({ subcommand: verb });
  return unknownEffect(`${verb} ${sub}`.trim());
}

/** ssh-keygen makes and inspects keys: the key file it is given is used, its content is not printed. */
function sshKeygen({ args }: ProgramInput): CommandEffect {
  const parsed = parseArgs(
    args,
    new Set(['-f', '-t', '-b', '-C', '-N', '-P', '-R', '-F', '-E', '-n', '-I', '-s', '-V', '-O', '-Y']),
  );
  const file = parsed.options.get('-f')?.[0];
  const inspects = hasOption(parsed, '-y', '-l', '-F', '-R', '-B', '-L', '-Y');
  return effect({
    subcommand: 'ssh-keygen',
    writes: file === undefined || inspects ? [] : [file, `${file}.pub`],
    credentialFiles: file === undefined ? [] : [file],
  });
}

export const KEY_STORE_PROGRAMS: Record<string, ProgramClassifier> = {
  'ssh-keygen': sshKeygen,
  gpg,
  gpg2: gpg,
  security,
  pass: passwordManager(/^(show|otp|grep)$/, /^(ls|list|find|search|version|help)$/),
  gopass: passwordManager(/^(show|cat|otp|grep)$/, /^(ls|list|find|search|version|help)$/),
  op: passwordManager(/^(read|item|document|inject)$/, /^(whoami|account|vault|--version|signin)$/),
  bw: passwordManager(/^(get|export)$/, /^(list|status|sync|login|unlock)$/),
  lpass: passwordManager(/^(show|export)$/, /^(ls|status|login)$/),
  'secret-tool': passwordManager(/^(lookup|search)$/, /^(store|clear)$/),
  keyring: passwordManager(/^get$/, /^(set|del)$/),
  vault,
  doppler: passwordManager(/^(secrets|run)$/, /^(me|configs|projects)$/),
  // ssh-add loads keys into the agent: used, not printed (`-L` prints public keys).
  'ssh-add': ({ args }) =>
    effect({
      subcommand: 'ssh-add',
      credentialFiles: args.filter((word) => !word.text.startsWith('-')).map((word) => word.text),
    }),
};
