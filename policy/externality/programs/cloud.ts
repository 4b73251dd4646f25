// Cloud and cluster CLIs. What they change lives in an account or cluster chosen either in the command
// (`--profile`, `--project`, `--context`) or by ambient config that can point elsewhere tomorrow; which
// accounts the organisation owns is not something the command line shows, so ownership stays unknown
// unless the endpoint is an owned host.
import { hasOption, optionValues, parseArgs, type ParsedArgs } from '../argv.js';
import { hostDestination, hostOf } from '../destination.js';
import {
  effect,
  insertAfter,
  type CommandContext,
  type CommandEffect,
  type DryRunEdit,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import { CREDENTIALS_CLASS } from '../secrets.js';
import type { ShellWord } from '../simple-command.js';

type Impact = 'read' | 'write' | 'delete' | 'unknown';

interface CloudCall {
  impact: Impact;
  /** The verb (or `service operation`) for `subcommand:` conditions. */
  subcommand: string;
  destinationType: 'cloud_api' | 'cluster';
  tenantExplicit: boolean;
  accountExplicit: boolean;
  endpoint?: string;
  dryRun?: DryRunEdit;
  alreadySimulated?: boolean;
  uploads?: string[];
  download?: boolean;
  /** The call prints a credential or a secret value (a secret manager read, a token print). */
  reveals?: boolean;
}

// Calls whose output is a credential or a stored secret, by CLI: `service operation` or `group… verb`.
const REVEALS =
  /^(secretsmanager (get-secret-value|batch-get-secret-value)|ssm get-parameters?(-by-path)?|sts (get-session-token|assume-role.*|get-federation-token)|configure (get|export-credentials)|ecr (get-login-password|get-authorization-token)|iam create-access-key|kms decrypt|secrets versions access|auth (print-access-token|print-identity-token|application-default print-access-token)|iam service-accounts keys create|keyvault secret (show|download)|account get-access-token|acr login|storage account keys list|create token|config view)$/;

function toEffect(call: CloudCall, input: ProgramInput): CommandEffect {
  const writes = call.impact !== 'read' && !call.alreadySimulated;
  const ownership =
    call.endpoint === undefined
      ? { destination_ownership: 'unknown' as const, destination_visibility: 'private' as const }
      : hostDestination(hostOf(call.endpoint), input.env.ownership);
  const context: Partial<CommandContext> = {
    destination_type: call.destinationType,
    ...ownership,
    tenant_provenance: call.tenantExplicit ? 'explicit' : 'ambient',
    account_provenance: call.accountExplicit ? 'explicit' : 'ambient',
    external_write: !writes ? 'no' : call.impact === 'unknown' ? 'unknown' : 'yes',
    reversibility: !writes ? 'reversible' : call.impact === 'delete' ? 'irreversible' : 'unknown',
  };
  const labels = ['network_egress'];
  if (writes && call.impact !== 'unknown') labels.push('external_write', 'cloud_mutation');
  if (writes && call.impact === 'delete') labels.push('deletion', 'destructive');
  if (call.download) labels.push('untrusted_input');
  return effect({
    subcommand: call.subcommand,
    labels,
    context,
    uploads: call.uploads ?? [],
    dryRun: call.dryRun,
    ...(call.reveals || REVEALS.test(call.subcommand) ? { secretOutput: [CREDENTIALS_CLASS] } : {}),
  });
}

const operandTexts = (args: ParsedArgs): string[] => args.operands.map((word) => word.text);

const AWS_VALUE_OPTIONS = new Set([
  '--profile',
  '--region',
  '--output',
  '--endpoint-url',
  '--query',
  '--cli-input-json',
  '--color',
  '--ca-bundle',
]);

function aws(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, AWS_VALUE_OPTIONS);
  const [service = '', operation = '', ...rest] = operandTexts(args);
  const profileInEnv =
    'AWS_PROFILE' in input.command.assignments || 'AWS_ACCESS_KEY_ID' in input.command.assignments;
  const call: CloudCall = {
    impact: awsImpact(service, operation, rest),
    subcommand: `${service} ${operation}`.trim(),
    destinationType: 'cloud_api',
    tenantExplicit: hasOption(args, '--profile') || profileInEnv,
    accountExplicit: hasOption(args, '--profile') || profileInEnv,
    endpoint: optionValues(args, '--endpoint-url')[0],
    alreadySimulated: hasOption(args, '--dryrun', '--dry-run'),
  };
  // An SSM parameter is printed in the clear only when decrypted.
  if (service === 'ssm' && !hasOption(args, '--with-decryption'))
    call.subcommand = `${service} ${operation} (encrypted)`;
  if (service === 's3' && ['cp', 'mv', 'sync'].includes(operation)) {
    const [source, target] = rest;
    call.uploads =
      target?.startsWith('s3://') && source !== undefined && !source.startsWith('s3://') ? [source] : [];
    call.download = source?.startsWith('s3://') && target !== undefined && !target.startsWith('s3://');
    if (call.download) call.impact = 'read';
  }
  return toEffect(call, input);
}

function awsImpact(service: string, operation: string, rest: string[]): Impact {
  if (operation === '' || operation === 'help') return 'read';
  if (service === 's3') {
    if (operation === 'ls' || operation === 'presign') return 'read';
    if (operation === 'rm' || operation === 'rb') return 'delete';
    if (operation === 'sync' && rest.includes('--delete')) return 'delete';
    return 'write';
  }
  if (
    /^(describe|list|get|head|wait|lookup|search|batch-get|scan|query|filter|validate|estimate|simulate)/.test(
      operation,
    )
  )
    return 'read';
  if (/^(delete|terminate|remove|destroy|deregister|purge|drop|revoke|detach|disable)/.test(operation))
    return 'delete';
  return 'write';
}

/** gcloud and az: `GROUP… VERB`, the verb is the first operand that is a known verb. */
function verbCli(
  valueOptions: ReadonlySet<string>,
  tenantOptions: string[],
  accountOptions: string[],
): ProgramClassifier {
  return (input) => {
    const args = parseArgs(input.args, valueOptions);
    const words = operandTexts(args);
    const verbIndex = words.findIndex((word) => VERB_IMPACT.some(([pattern]) => pattern.test(word)));
    const verb = words[verbIndex];
    const impact =
      VERB_IMPACT.find(([pattern]) => verb !== undefined && pattern.test(verb))?.[1] ?? 'unknown';
    return toEffect(
      {
        impact: words.length === 0 || words[0] === 'config' || words[0] === 'auth' ? 'read' : impact,
        subcommand: words.slice(0, verbIndex === -1 ? words.length : verbIndex + 1).join(' '),
        destinationType: 'cloud_api',
        tenantExplicit: hasOption(args, ...tenantOptions),
        accountExplicit: hasOption(args, ...accountOptions),
      },
      input,
    );
  };
}

const VERB_IMPACT: Array<[RegExp, Impact]> = [
  [/^(list|describe|show|get|get-.*|read|print-.*|search|browse|logs?|tail|check-.*|version|info)$/, 'read'],
  [/^(delete|remove|destroy|purge|uninstall|drop|wipe|rb)$/, 'delete'],
  [
    /^(create|update|deploy|set|set-.*|add-.*|patch|apply|import|replace|start|stop|restart|reset|resize|submit|publish|attach|detach|enable|disable|grant|revoke|upload|move|copy|cp|run|scale|rollback|invoke|call|execute|ssh|scp)$/,
    'write',
  ],
];

const KUBECTL_VALUE_OPTIONS = new Set([
  '-n',
  '--namespace',
  '--context',
  '--kubeconfig',
  '--cluster',
  '--user',
  '-s',
  '--server',
  '-o',
  '--output',
  '-f',
  '--filename',
  '-l',
  '--selector',
  '-c',
  '--container',
  '--as',
  '--token',
]);
const KUBECTL_READ = new Set([
  'get',
  'describe',
  'logs',
  'top',
  'explain',
  'version',
  'api-resources',
  'api-versions',
  'cluster-info',
  'diff',
  'auth',
  'config',
  'wait',
  'events',
  'kustomize',
  'completion',
  'plugin',
]);
const KUBECTL_DELETE = new Set(['delete', 'drain']);
const KUBECTL_SERVER_DRY_RUN = new Set([
  'apply',
  'create',
  'replace',
  'patch',
  'delete',
  'scale',
  'set',
  'label',
  'annotate',
  'expose',
  'run',
]);

function kubectl(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, KUBECTL_VALUE_OPTIONS);
  const verbWord = args.operands[0];
  const verb = verbWord?.literal ? verbWord.text : '';
  const impact: Impact =
    verbWord === undefined || KUBECTL_READ.has(verb)
      ? 'read'
      : KUBECTL_DELETE.has(verb)
        ? 'delete'
        : verbWord.literal
          ? 'write'
          : 'unknown';
  const simulated =
    optionValues(args, '--dry-run').some((mode) => mode !== 'none') || hasOption(args, '--dry-run');
  const resource = args.operands[1]?.text ?? '';
  const output = optionValues(args, '-o', '--output')[0] ?? '';
  // `get secret -o yaml|json|jsonpath` prints the secret's data; `config view --raw` the cluster credentials.
  const reveals =
    (verb === 'get' &&
      /^secrets?(\/|$)|^secret\//.test(resource) &&
      /^(yaml|json|jsonpath|go-template)/.test(output)) ||
    (verb === 'config' && resource === 'view' && hasOption(args, '--raw')) ||
    (verb === 'create' && resource === 'token');
  return toEffect(
    {
      impact,
      reveals,
      subcommand: verb,
      destinationType: 'cluster',
      tenantExplicit: hasOption(args, '--context', '--kubeconfig', '--cluster', '-s', '--server'),
      accountExplicit: hasOption(args, '--user', '--token', '--as', '--kubeconfig'),
      endpoint: optionValues(args, '-s', '--server')[0],
      alreadySimulated: simulated,
      dryRun:
        KUBECTL_SERVER_DRY_RUN.has(verb) && !simulated
          ? insertAfter(input.command, verbWord, ' --dry-run=server')
          : undefined,
    },
    input,
  );
}

const HELM_VALUE_OPTIONS = new Set([
  '-n',
  '--namespace',
  '--kube-context',
  '--kubeconfig',
  '-f',
  '--values',
  '--set',
  '--version',
  '-o',
  '--output',
  '--repo',
  '--post-renderer',
]);
const HELM_READ = new Set([
  'list',
  'ls',
  'status',
  'get',
  'template',
  'lint',
  'show',
  'search',
  'history',
  'version',
  'env',
  'verify',
  'dependency',
  'repo',
  'pull',
  'plugin',
  'completion',
]);

function helm(input: ProgramInput): CommandEffect {
  const args = parseArgs(input.args, HELM_VALUE_OPTIONS);
  const verbWord = args.operands[0];
  const verb = verbWord?.text ?? '';
  const impact: Impact =
    verbWord === undefined || HELM_READ.has(verb)
      ? 'read'
      : verb === 'uninstall' || verb === 'delete'
        ? 'delete'
        : 'write';
  const simulated = hasOption(args, '--dry-run');
  return toEffect(
    {
      impact,
      subcommand: verb,
      destinationType: 'cluster',
      tenantExplicit: hasOption(args, '--kube-context', '--kubeconfig'),
      accountExplicit: hasOption(args, '--kubeconfig'),
      alreadySimulated: simulated,
      download: verb === 'repo' || verb === 'pull' || verb === 'dependency',
      dryRun:
        ['install', 'upgrade', 'uninstall', 'rollback'].includes(verb) && !simulated
          ? insertAfter(input.command, verbWord, ' --dry-run')
          : undefined,
    },
    input,
  );
}

const TERRAFORM_READ = new Set([
  'plan',
  'validate',
  'fmt',
  'show',
  'output',
  'graph',
  'providers',
  'version',
  'console',
  'workspace',
  'get',
  'init',
  'login',
  'test',
]);

function terraform(input: ProgramInput): CommandEffect {
  const verbWord = input.args.find((word: ShellWord) => !word.text.startsWith('-'));
  const verb = verbWord?.literal ? verbWord.text : '';
  const stateWord = input.args[input.args.indexOf(verbWord as ShellWord) + 1]?.text ?? '';
  const impact: Impact =
    verbWord === undefined ||
    TERRAFORM_READ.has(verb) ||
    (verb === 'state' && ['list', 'show', 'pull'].includes(stateWord))
      ? 'read'
      : verb === 'destroy' ||
          (verb === 'state' && stateWord === 'rm') ||
          (verb === 'apply' && input.args.some((word) => word.text === '-destroy'))
        ? 'delete'
        : 'write';
  // `plan` is terraform's simulation of `apply` (and `plan -destroy` of `destroy`).
  const dryRun: DryRunEdit | undefined =
    !input.command.topLevel || verbWord === undefined
      ? undefined
      : verb === 'apply'
        ? { start: verbWord.start, end: verbWord.end, text: 'plan' }
        : verb === 'destroy'
          ? { start: verbWord.start, end: verbWord.end, text: 'plan -destroy' }
          : undefined;
  return toEffect(
    {
      impact,
      subcommand: verb,
      destinationType: 'cloud_api',
      tenantExplicit: false,
      accountExplicit: false,
      download: verb === 'init' || verb === 'get',
      dryRun: impact === 'read' ? undefined : dryRun,
    },
    input,
  );
}

export const CLOUD_PROGRAMS: Record<string, ProgramClassifier> = {
  aws,
  gcloud: verbCli(
    new Set(['--project', '--account', '--configuration', '--format', '--region', '--zone', '--filter']),
    ['--project', '--configuration'],
    ['--account', '--impersonate-service-account'],
  ),
  az: verbCli(
    new Set([
      '--subscription',
      '-g',
      '--resource-group',
      '-n',
      '--name',
      '-o',
      '--output',
      '--query',
      '-l',
      '--location',
    ]),
    ['--subscription'],
    ['--subscription'],
  ),
  kubectl,
  oc: kubectl,
  helm,
  terraform,
  tofu: terraform,
};
