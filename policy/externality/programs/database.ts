// Database clients: the SQL (or Redis command) given with -c/-e says whether data is read, changed or dropped;
// without it the client runs whatever stdin or a script file holds.
import { optionValues, parseArgs } from '../argv.js';
import { hostDestination, hostOf, isLoopback } from '../destination.js';
import { effect, type CommandEffect, type ProgramClassifier, type ProgramInput } from '../effect.js';

type Impact = 'read' | 'write' | 'delete' | 'unknown';

interface Client {
  valueOptions: ReadonlySet<string>;
  hostOptions: string[];
  statementOptions: string[];
  /** Connection URIs may come as an operand (`psql postgres://…`). */
  uriOperand?: boolean;
  /** Redis takes its command as operands. */
  operandStatement?: boolean;
}

const CLIENTS: Record<string, Client> = {
  psql: {
    valueOptions: new Set([
      '-h',
      '--host',
      '-c',
      '--command',
      '-f',
      '--file',
      '-d',
      '--dbname',
      '-U',
      '--username',
      '-p',
      '--port',
      '-v',
      '--set',
    ]),
    hostOptions: ['-h', '--host'],
    statementOptions: ['-c', '--command'],
    uriOperand: true,
  },
  mysql: {
    valueOptions: new Set([
      '-h',
      '--host',
      '-e',
      '--execute',
      '-D',
      '--database',
      '-u',
      '--user',
      '-P',
      '--port',
    ]),
    hostOptions: ['-h', '--host'],
    statementOptions: ['-e', '--execute'],
  },
  mongosh: {
    valueOptions: new Set(['--host', '--eval', '-u', '--username', '--port', '-f', '--file']),
    hostOptions: ['--host'],
    statementOptions: ['--eval'],
    uriOperand: true,
  },
  'redis-cli': {
    valueOptions: new Set(['-h', '-p', '-a', '-n', '-u']),
    hostOptions: ['-h'],
    statementOptions: [],
    operandStatement: true,
  },
  sqlite3: {
    valueOptions: new Set(['-cmd', '-separator']),
    hostOptions: [],
    statementOptions: [],
    operandStatement: true,
  },
};
CLIENTS.mariadb = CLIENTS.mysql as Client;
CLIENTS.mongo = CLIENTS.mongosh as Client;

export function statementImpact(statement: string): Impact {
  if (/\b(DROP|TRUNCATE|FLUSHALL|FLUSHDB|dropDatabase|deleteMany)\b/i.test(statement)) return 'delete';
  // DELETE without a WHERE empties the table.
  if (/\bDELETE\s+FROM\b(?![\s\S]*\bWHERE\b)/i.test(statement) || /^\s*(DEL|UNLINK)\b/i.test(statement))
    return 'delete';
  if (
    /\b(INSERT|UPDATE|DELETE|CREATE|ALTER|GRANT|REVOKE|MERGE|COPY|REPLACE|UPSERT|SET|HSET|LPUSH|RPUSH|SADD|ZADD|EXPIRE|insertOne|insertMany|updateOne|updateMany)\b/i.test(
      statement,
    )
  )
    return 'write';
  if (
    /^\s*(SELECT|SHOW|EXPLAIN|DESCRIBE|WITH|GET|KEYS|SCAN|INFO|PING|\\d|\.tables|\.schema|db\.\w+\.find)/i.test(
      statement,
    )
  )
    return 'read';
  return 'unknown';
}

function databaseClient(client: Client, program: string): ProgramClassifier {
  return (input: ProgramInput): CommandEffect => {
    const args = parseArgs(input.args, client.valueOptions);
    const uri = client.uriOperand
      ? (args.operands.find((word) => /^[a-z+]+:\/\//i.test(word.text))?.text ??
        optionValues(args, '-d', '--dbname').find((value) => value.includes('://')))
      : undefined;
    const host =
      optionValues(args, ...client.hostOptions)[0] ?? (uri === undefined ? undefined : hostOf(uri));
    const statements = client.operandStatement
      ? [
          args.operands
            .slice(program === 'sqlite3' ? 1 : 0)
            .map((word) => word.text)
            .join(' '),
        ].filter((text) => text !== '')
      : optionValues(args, ...client.statementOptions);
    const impacts = statements.map(statementImpact);
    const impact: Impact =
      impacts.length === 0
        ? 'unknown'
        : impacts.includes('delete')
          ? 'delete'
          : impacts.includes('unknown')
            ? 'unknown'
            : impacts.includes('write')
              ? 'write'
              : 'read';
    // No host: a local socket or file, which is this machine.
    const remote = host !== undefined && !isLoopback(host);
    const changes = impact === 'read' ? 'no' : impact === 'unknown' ? 'unknown' : 'yes';
    const labels = [
      ...(remote ? ['network_egress'] : []),
      ...(remote && changes === 'yes' ? ['external_write'] : []),
      ...(impact === 'delete' ? ['deletion', 'destructive'] : []),
    ];
    // A password given to the client to sign in to its own database is used, not sent anywhere else.
    const ownDatabase =
      !remote || hostDestination(host, input.env.ownership).destination_ownership === 'owned';
    const passwords = [
      ...input.args.filter((word) => /^(-p.|--password=)/.test(word.text)).map((word) => word.text),
      ...optionValues(args, '-a', '--password'),
      ...['PGPASSWORD', 'MYSQL_PWD', 'REDISCLI_AUTH'].flatMap(
        (name) => input.command.assignments[name]?.text ?? [],
      ),
    ];
    return effect({
      credentialFiles: ownDatabase ? passwords : [],
      subcommand: statements[0]?.trim().split(/\s+/)[0]?.toUpperCase() ?? '',
      labels,
      reads:
        program === 'sqlite3' && args.operands[0]
          ? [args.operands[0].text]
          : optionValues(args, '-f', '--file'),
      context: {
        destination_type: 'database',
        ...(remote
          ? hostDestination(host, input.env.ownership)
          : { destination_ownership: 'owned', destination_visibility: 'private' }),
        tenant_provenance: remote ? 'explicit' : 'none',
        account_provenance:
          optionValues(args, '-U', '--username', '-u', '--user', '-a').length > 0 ? 'explicit' : 'ambient',
        external_write: remote ? changes : 'no',
        reversibility: impact === 'delete' ? 'irreversible' : impact === 'unknown' ? 'unknown' : 'reversible',
      },
    });
  };
}

export const DATABASE_PROGRAMS: Record<string, ProgramClassifier> = Object.fromEntries(
  Object.entries(CLIENTS).map(([program, client]) => [program, databaseClient(client, program)]),
);
