// Which files hold secrets, by data class. The defaults are the well-known places credentials live; a policy
// adds its own through `class_paths`, and its class hierarchy decides what each class is part of.
import { GlobSet } from './glob.js';

export const DEFAULT_CLASS_PATHS: Readonly<Record<string, readonly string[]>> = {
  dotenv: ['**/.env', '**/.env.*'],
  private_key: [
    '**/*.pem',
    '**/*.key',
    '**/*.p12',
    '**/*.pfx',
    '**/id_rsa',
    '**/id_dsa',
    '**/id_ecdsa',
    '**/id_ed25519',
  ],
  aws_credentials: ['**/.aws/credentials', '**/.aws/config'],
  gcp_credentials: ['**/.config/gcloud/**', '**/application_default_credentials.json'],
  azure_credentials: ['**/.azure/**'],
  npm_token: ['**/.npmrc'],
  pypi_token: ['**/.pypirc'],
  cargo_token: ['**/.cargo/credentials', '**/.cargo/credentials.toml'],
  netrc_credentials: ['**/.netrc', '**/_netrc'],
  git_credentials: ['**/.git-credentials', '**/.config/gh/hosts.yml'],
  docker_credentials: ['**/.docker/config.json'],
  kube_credentials: ['**/.kube/config', '**/kubeconfig', '**/*.kubeconfig'],
};

// Templates committed on purpose; they name secrets but hold none.
const NOT_SECRET = new GlobSet(
  ['**/.env.example', '**/.env.sample', '**/.env.template', '**/.env.dist'],
  'path',
);

// Environment variables whose value is a credential, when one is sent as a payload.
const SECRET_VARIABLE = /(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)$/i;
export const SECRET_VARIABLE_CLASS = 'secret_env';

export class SecretPaths {
  private readonly classes: Array<{ dataClass: string; globs: GlobSet }>;

  constructor(classPaths: Readonly<Record<string, readonly string[]>>) {
    this.classes = Object.entries(classPaths).map(([dataClass, globs]) => ({
      dataClass,
      globs: new GlobSet(globs, 'path'),
    }));
  }

  /** The data classes of the file at `path` (empty when it is not a known secret location). */
  classesOf(path: string): string[] {
    if (NOT_SECRET.matches(path)) return [];
    return this.classes.filter(({ globs }) => globs.matches(path)).map(({ dataClass }) => dataClass);
  }
}

/** `$AWS_SECRET_ACCESS_KEY` and friends inside a word. */
export function mentionsSecretVariable(text: string): boolean {
  return [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].some((match) =>
    SECRET_VARIABLE.test(match[1] ?? ''),
  );
}
