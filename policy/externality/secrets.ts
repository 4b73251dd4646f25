// What holds a secret, by data class: files in the well-known places credentials live (a policy adds its own
// through `class_paths`), environment variables named for a credential, key formats written out in the command
// itself, and searches whose pattern looks for secrets. The policy's class hierarchy decides what each class
// is part of; every class named here sits under `secret` in the example policy.
import { posix } from 'node:path';

import { redactSecrets } from '../../schemas/redact.js';
import { GlobSet, globToRegExp, hasGlobMagic } from './glob.js';

export const DEFAULT_CLASS_PATHS: Readonly<Record<string, readonly string[]>> = {
  dotenv: ['**/.env', '**/.env.*'],
  private_key: [
    '**/*.pem',
    '**/*.key',
    '**/*.p12',
    '**/*.pfx',
    '**/*.jks',
    '**/*.keystore',
    '**/id_rsa',
    '**/id_dsa',
    '**/id_ecdsa',
    '**/id_ed25519',
    '**/id_ecdsa_sk',
    '**/id_ed25519_sk',
    '**/.ssh/**',
    '**/.gnupg/**',
  ],
  aws_credentials: ['**/.aws/**'],
  gcp_credentials: ['**/.config/gcloud/**', '**/application_default_credentials.json'],
  azure_credentials: ['**/.azure/**'],
  npm_token: ['**/.npmrc'],
  pypi_token: ['**/.pypirc'],
  cargo_token: ['**/.cargo/credentials', '**/.cargo/credentials.toml'],
  netrc_credentials: ['**/.netrc', '**/_netrc'],
  git_credentials: ['**/.git-credentials', '**/.config/gh/**', '**/.config/glab-cli/**'],
  docker_credentials: ['**/.docker/config.json'],
  kube_credentials: ['**/.kube/**', '**/kubeconfig', '**/*.kubeconfig'],
  credentials: [
    '**/.m2/settings.xml',
    '**/.gradle/gradle.properties',
    '**/.composer/auth.json',
    '**/.config/composer/auth.json',
    '**/.gem/credentials',
    '**/.my.cnf',
    '**/.s3cfg',
    '**/.boto',
    '**/.rclone.conf',
    '**/.config/rclone/rclone.conf',
    '**/.config/doctl/config.yaml',
    '**/.oci/config',
    '**/.config/hub',
    '**/.mozilla/firefox/**/logins.json',
    '**/.mozilla/firefox/**/key4.db',
    '**/.config/google-chrome/**/Login Data',
    '**/.config/chromium/**/Login Data',
    '**/*.tfstate',
    '**/service-account*.json',
    '**/config/master.key',
    '**/.htpasswd',
    '/etc/shadow',
    '/etc/gshadow',
    '**/.bash_history',
    '**/.zsh_history',
    '**/.python_history',
    '**/.psql_history',
    '**/.mysql_history',
    '**/.password-store/**',
    '**/.local/share/keyrings/**',
    '**/.pgpass',
    '**/.vault-token',
    '**/.terraform.d/credentials.tfrc.json',
    '**/.config/op/**',
  ],
  secret_env: ['/proc/*/environ', '/proc/self/environ'],
};

// Files in those places that hold no secret: templates committed on purpose, public keys, host lists.
const NOT_SECRET = new GlobSet(
  [
    '**/.env.example',
    '**/.env.sample',
    '**/.env.template',
    '**/.env.dist',
    '**/*.pub',
    '**/.ssh/known_hosts',
    '**/.ssh/known_hosts.old',
    '**/.ssh/config',
    '**/.ssh/authorized_keys',
    '**/.gnupg/pubring.kbx',
    '**/.gnupg/trustdb.gpg',
  ],
  'path',
);

/** The data class of a secret the command text spells out, or that a key store hands out. */
export const SECRET_VARIABLE_CLASS = 'secret_env';
export const CREDENTIALS_CLASS = 'credentials';
export const PRIVATE_KEY_CLASS = 'private_key';

// A variable named for what it holds: a credential, a password, a key, a session, a connection string.
const SECRET_NAME =
  /(SECRET|TOKEN|PASSW(OR)?D|(^|_)PASS$|PRIVATE|CREDENTIAL|(^|_)CREDS$|(^|_)KEY$|API_?KEY|ACCESS_?KEY|(^|_)AUTH$|COOKIE|SESSION|(^|_)DSN$|DATABASE_URL|CONNECTION_STRING|WEBHOOK_URL)/i;

export function isSecretVariable(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Names of secret variables expanded in a word: `$AWS_SECRET_ACCESS_KEY`, `${GITHUB_TOKEN}`. */
export function secretVariablesIn(text: string): string[] {
  return [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)]
    .map((match) => match[1] ?? '')
    .filter(isSecretVariable);
}

/** Identifiers in code (`os.environ['GITHUB_TOKEN']`, `process.env.NPM_TOKEN`, `ENV["API_KEY"]`) that name a
 * secret variable. */
export function secretNamesInCode(code: string): string[] {
  return [...code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)]
    .map((match) => match[0])
    .filter((name) => name.length > 3 && name === name.toUpperCase() && isSecretVariable(name));
}

const KEY_FORMAT_CLASSES: Record<string, string> = {
  private_key: PRIVATE_KEY_CLASS,
  aws_access_key: 'aws_credentials',
  github_token: 'git_credentials',
  google_api_key: 'gcp_credentials',
};

/** Data classes of the secrets written out in `text`: well-known key formats (the same patterns redaction
 * uses), credentials in URLs, assignments to secret names, and long random values assigned to anything. */
export function secretLiteralClasses(text: string): string[] {
  const classes = new Set<string>();
  for (const match of redactSecrets(text).matchAll(/\[REDACTED:(\w+)\]/g)) {
    const kind = match[1] ?? '';
    // `TOKEN=$GITHUB_TOKEN` names a variable; it does not spell a secret out.
    if (kind === 'assignment' && !assignsLiteral(text)) continue;
    classes.add(KEY_FORMAT_CLASSES[kind] ?? CREDENTIALS_CLASS);
  }
  for (const match of text.matchAll(
    /(?:^|[\s"'])[A-Za-z_][A-Za-z0-9_.-]*\s*[=:]\s*["']?([A-Za-z0-9+/_=.-]{24,})/g,
  ))
    if (looksRandom(match[1] ?? '')) classes.add(CREDENTIALS_CLASS);
  return [...classes];
}

function assignsLiteral(text: string): boolean {
  return /(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*\s*[=:]\s*["']?[^\s"'$]/i.test(
    text,
  );
}

/** A value no one types by hand: long, letters of both cases and digits, close to uniformly random. Hex
 * digests (commit ids, checksums) have one case and at most 4 bits a character, so they do not qualify. */
function looksRandom(value: string): boolean {
  if (!/[a-z]/.test(value) || !/[A-Z]/.test(value) || !/[0-9]/.test(value)) return false;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy >= 4;
}

// Search patterns that look for secrets rather than for code: the names credentials go by and key prefixes.
const SECRET_SEARCH =
  /secret|token|passw|private|credential|api.?key|access.?key|auth|bearer|AKIA|ASIA|ghp_|gho_|github_pat|sk_live|sk-|xox[abposr]|AIza|BEGIN .*KEY|-----BEGIN|\bkey\b/i;

/** A content search (grep, rg, git grep, `git log -S`) for this pattern prints the secrets it finds. */
export function searchesForSecrets(pattern: string): boolean {
  return SECRET_SEARCH.test(pattern);
}

/** The well-known names of secret files, to test a glob operand (`cat .e*`, `~/.ssh/id_*`) against. */
const SAMPLE_SECRET_NAMES = [
  '.env',
  '.env.local',
  '.env.production',
  'id_rsa',
  'id_ed25519',
  'id_ecdsa',
  'credentials',
  'config',
  'server.key',
  'server.pem',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '.git-credentials',
  'hosts.yml',
  'config.json',
  'environ',
];

const HOME_SECRETS = [
  '.aws/credentials',
  '.ssh/id_rsa',
  '.config/gh/hosts.yml',
  '.docker/config.json',
  '.kube/config',
  '.netrc',
  '.npmrc',
];

const MAX_REMEMBERED_PATHS = 8192;

export class SecretPaths {
  private readonly classes: Array<{ dataClass: string; globs: GlobSet }>;
  private readonly seen = new Map<string, string[]>();

  constructor(classPaths: Readonly<Record<string, readonly string[]>>) {
    this.classes = Object.entries(classPaths).map(([dataClass, globs]) => ({
      dataClass,
      globs: new GlobSet(globs, 'path'),
    }));
  }

  /** The data classes of the file at `path` (empty when it is not a known secret location). A glob operand
   * counts when it can name a well-known secret file in its directory. */
  classesOf(path: string): string[] {
    let found = this.seen.get(path);
    if (found === undefined) {
      found = hasGlobMagic(path)
        ? this.classesOfPattern(path)
        : NOT_SECRET.matches(path)
          ? []
          : this.classes.filter(({ globs }) => globs.matches(path)).map(({ dataClass }) => dataClass);
      // Paths repeat from one command to the next (`origin`, `main`, `src/`): remember a bounded number.
      if (this.seen.size >= MAX_REMEMBERED_PATHS) this.seen.clear();
      this.seen.set(path, found);
    }
    return found;
  }

  /** Classes of what a recursive read of `dir` (an archive, a recursive copy) takes in: a key directory
   * (`~/.ssh`) whole, a home directory's key directories, and (`withDotenv`: a workspace) its dotenv files. */
  classesUnder(dir: string, withDotenv: boolean): string[] {
    const base = dir.replace(/\/+$/, '') || '/';
    const home = base === '~' || /^\/(root|home\/[^/]+|Users\/[^/]+)$/.test(base) || base === '/';
    const names = home ? ['x', '.env', ...HOME_SECRETS] : withDotenv ? ['x', '.env'] : ['x'];
    return [...new Set(names.flatMap((name) => this.classesOf(`${base}/${name}`)))];
  }

  private classesOfPattern(pattern: string): string[] {
    const matcher = globToRegExp(pattern, 'path');
    const dir = posix.dirname(pattern);
    const base = posix.basename(pattern);
    // `dir/*` names whatever dir holds: secret only when dir is a key directory. A name with letters in it
    // (`id_*`, `.e*`, `*.pem`) is tested against the well-known secret names.
    if (!/[^*?[\]]/.test(base.replace(/\[[^\]]*\]/g, '')))
      return hasGlobMagic(dir) ? [] : this.classesOf(`${dir}/x`);
    const found = new Set<string>();
    // As in the shell, `*` at the start of a name does not match a leading dot.
    const hidden = posix.basename(pattern).startsWith('.') || posix.basename(pattern).startsWith('**');
    for (const name of SAMPLE_SECRET_NAMES) {
      if (name.startsWith('.') && !hidden) continue;
      const candidate = `${hasGlobMagic(dir) ? dir.replace(/[*?]/g, 'x') : dir}/${name}`;
      if (!matcher.test(candidate) && !matcher.test(`${dir}/${name}`)) continue;
      for (const dataClass of this.classesOf(candidate)) found.add(dataClass);
    }
    return [...found];
  }
}
