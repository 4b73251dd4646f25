// Local programs: what they read, write and delete on this machine. None of them leaves it.
import { hasOption, parseArgs } from '../argv.js';
import { effect, type CommandEffect, type ProgramClassifier, type ProgramInput } from '../effect.js';
import type { ShellWord } from '../shell.js';

const texts = (words: ShellWord[]): string[] => words.map((word) => word.text);

/** Programs that only look at names and metadata: naming `.env` to them does not read it. */
export const METADATA_PROGRAMS: ReadonlySet<string> = new Set([
  'ls',
  'stat',
  'file',
  'test',
  '[',
  'echo',
  'printf',
  'pwd',
  'cd',
  'which',
  'type',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'du',
  'df',
  'tree',
  'true',
  'false',
  'date',
  'whoami',
  'id',
  'uname',
  'sleep',
  'ps',
  'hostname',
  'exit',
  'export',
  'set',
  'unset',
  'alias',
  'history',
  'clear',
  'tput',
  'seq',
  'yes',
  'mktemp',
  'nproc',
  'free',
  'uptime',
]);

const READERS = new Set([
  'cat',
  'less',
  'more',
  'head',
  'tail',
  'bat',
  'nl',
  'tac',
  'base64',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'sort',
  'uniq',
  'wc',
  'cut',
  'diff',
  'cmp',
  'comm',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'jq',
  'yq',
  'column',
  'fold',
  'tr',
  'paste',
  'join',
  'iconv',
  'gpg',
  'openssl',
  'zcat',
  'gunzip',
  'unzip',
  'xz',
  'zstd',
]);
const READER_VALUE_OPTIONS = new Set([
  '-n',
  '-c',
  '-d',
  '-f',
  '-t',
  '-k',
  '-o',
  '--lines',
  '--bytes',
  '--arg',
  '--argjson',
]);

/** grep, rg, sed and awk take a pattern or script first, unless it comes through an option. */
const PATTERN_FIRST: Record<string, ReadonlySet<string>> = {
  grep: new Set(['-e', '-f', '--regexp', '--file', '-m', '-A', '-B', '-C', '--include', '--exclude']),
  egrep: new Set(['-e', '-f', '-m', '-A', '-B', '-C']),
  rg: new Set(['-e', '-f', '--regexp', '-g', '--glob', '-t', '--type', '-m', '-A', '-B', '-C']),
  ag: new Set(['-G', '--file-search-regex', '-m', '-A', '-B', '-C']),
  awk: new Set(['-f', '-v', '-F']),
  sed: new Set(['-e', '-f', '--expression', '--file']),
};

function reader({ args }: ProgramInput): CommandEffect {
  return effect({ reads: texts(parseArgs(args, READER_VALUE_OPTIONS).operands) });
}

function patternFirst(program: string): ProgramClassifier {
  const valueOptions = PATTERN_FIRST[program] as ReadonlySet<string>;
  return ({ args }) => {
    const parsed = parseArgs(args, valueOptions);
    const patternGiven = hasOption(parsed, '-e', '--regexp', '-f', '--file', '--expression');
    const files = texts(parsed.operands.slice(patternGiven ? 0 : 1));
    // `sed -i` edits its files in place.
    const inPlace =
      program === 'sed' && parsed.flagWords.some((flag) => /^-[a-zA-Z]*i|^--in-place/.test(flag));
    return effect({ reads: files, writes: inPlace ? files : [] });
  };
}

function writer(valueOptions: ReadonlySet<string>, skipOperands = 0): ProgramClassifier {
  return ({ args }) => effect({ writes: texts(parseArgs(args, valueOptions).operands.slice(skipOperands)) });
}

/** cp/mv/ln/install: the last operand is written, the others read (mv also removes them). */
function copier(program: string): ProgramClassifier {
  return ({ args }) => {
    const parsed = parseArgs(
      args,
      new Set(['-t', '--target-directory', '-S', '--suffix', '-m', '--mode', '-o', '-g']),
    );
    const target = parsed.options.get('-t') ?? parsed.options.get('--target-directory');
    const operands = texts(parsed.operands);
    const destinations = target ?? operands.slice(-1);
    const sources = target ? operands : operands.slice(0, -1);
    return effect({
      reads: sources,
      writes: program === 'mv' ? [...destinations, ...sources] : destinations,
    });
  };
}

function remover({ args }: ProgramInput): CommandEffect {
  const parsed = parseArgs(args, new Set(['-n', '--iterations', '-s', '--size']));
  const forceful = hasOption(parsed, '-r', '-R', '--recursive', '-f', '--force');
  return effect({
    writes: texts(parsed.operands),
    labels: forceful ? ['deletion', 'destructive'] : ['deletion'],
    context: { reversibility: 'irreversible' },
  });
}

function dd({ args }: ProgramInput): CommandEffect {
  const operand = (name: string): string[] =>
    args.filter((word) => word.text.startsWith(`${name}=`)).map((word) => word.text.slice(name.length + 1));
  const targets = operand('of');
  // Writing a block device wipes it.
  const wipes = targets.some(
    (target) => target.startsWith('/dev/') && !/^\/dev\/(null|stdout|stderr)$/.test(target),
  );
  return effect({
    reads: operand('if'),
    writes: targets,
    labels: wipes ? ['deletion', 'destructive'] : [],
    context: wipes ? { reversibility: 'irreversible' } : {},
  });
}

function find({ args }: ProgramInput): CommandEffect {
  const firstExpression = args.findIndex((word) => /^[-(!]/.test(word.text));
  const roots = (firstExpression === -1 ? args : args.slice(0, firstExpression)).map((word) => word.text);
  const deletes =
    args.some((word) => word.text === '-delete') ||
    args.some((word, i) => word.text === '-exec' && /(^|\/)rm$/.test(args[i + 1]?.text ?? ''));
  return deletes
    ? effect({
        writes: roots,
        labels: ['deletion', 'destructive'],
        context: { reversibility: 'irreversible' },
      })
    : effect();
}

const NO_VALUES = new Set<string>();

export const FILE_PROGRAMS: Record<string, ProgramClassifier> = {
  ...Object.fromEntries([...METADATA_PROGRAMS].map((program) => [program, () => effect()])),
  ...Object.fromEntries([...READERS].map((program) => [program, reader])),
  ...Object.fromEntries(Object.keys(PATTERN_FIRST).map((program) => [program, patternFirst(program)])),
  cp: copier('cp'),
  mv: copier('mv'),
  ln: copier('ln'),
  install: copier('install'),
  tee: writer(NO_VALUES),
  touch: writer(new Set(['-d', '-t', '-r'])),
  mkdir: writer(new Set(['-m', '--mode'])),
  truncate: writer(new Set(['-s', '--size', '-r', '--reference'])),
  chmod: writer(new Set(['--reference']), 1),
  chown: writer(new Set(['--reference']), 1),
  rm: remover,
  rmdir: remover,
  unlink: remover,
  shred: remover,
  dd,
  find,
};
