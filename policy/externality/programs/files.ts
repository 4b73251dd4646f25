// Local programs: what they read, write and delete on this machine. None of them leaves it.
import { hasOption, parseArgs } from '../argv.js';
import {
  effect,
  unknownEffect,
  type CommandEffect,
  type ProgramClassifier,
  type ProgramInput,
} from '../effect.js';
import { hasGlobMagic } from '../glob.js';
import { CREDENTIALS_CLASS, searchesForSecrets } from '../secrets.js';
import type { ShellWord } from '../simple-command.js';

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
  'hostname',
  'exit',
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
  ':',
  'find',
  'pushd',
  'popd',
  'dirs',
  'expr',
  'bc',
  'getconf',
  'locale',
  'tty',
  'groups',
  'cksum',
  'lsb_release',
  'wait',
  'kill',
  'trap',
  'shopt',
  'umask',
  'ulimit',
  'hash',
  'read',
  'shift',
  'return',
  'break',
  'continue',
  'let',
  'getopts',
  'jobs',
  'fg',
  'bg',
  'disown',
  'caller',
  'enable',
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
  'zcat',
  'gunzip',
  'unzip',
  'xz',
  'zstd',
  'bzip2',
  'bunzip2',
  'rev',
  'expand',
  'unexpand',
  'fmt',
  'b2sum',
  'numfmt',
  'look',
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

function reader({ args }: ProgramInput): CommandEffect {
  return effect({ reads: texts(parseArgs(args, READER_VALUE_OPTIONS).operands) });
}

/** grep, rg, sed and awk take a pattern or script first, unless it comes through an option. */
const PATTERN_FIRST: Record<string, ReadonlySet<string>> = {
  grep: new Set([
    '-e',
    '-f',
    '--regexp',
    '--file',
    '-m',
    '-A',
    '-B',
    '-C',
    '--include',
    '--exclude',
    '--exclude-dir',
  ]),
  egrep: new Set(['-e', '-f', '-m', '-A', '-B', '-C', '--include', '--exclude']),
  fgrep: new Set(['-e', '-f', '-m', '-A', '-B', '-C', '--include', '--exclude']),
  rg: new Set([
    '-e',
    '-f',
    '--regexp',
    '-g',
    '--glob',
    '-t',
    '--type',
    '-m',
    '-A',
    '-B',
    '-C',
    '-T',
    '--type-not',
  ]),
  ag: new Set(['-G', '--file-search-regex', '-m', '-A', '-B', '-C', '--ignore']),
  ack: new Set(['-m', '-A', '-B', '-C', '--type']),
  awk: new Set(['-f', '-v', '-F']),
  gawk: new Set(['-f', '-v', '-F', '-e']),
  sed: new Set(['-e', '-f', '--expression', '--file']),
};
const SEARCHERS = new Set(['grep', 'egrep', 'fgrep', 'rg', 'ag', 'ack']);

/** A search prints the lines it finds: searching for secrets reads them, wherever it looks; searching for
 * anything else reads only the files it names one by one (a recursive or glob search of a tree does not
 * print a secret file's lines unless they match). */
function search(program: string, valueOptions: ReadonlySet<string>): ProgramClassifier {
  return ({ args }) => {
    const parsed = parseArgs(args, valueOptions);
    const given = [...(parsed.options.get('-e') ?? []), ...(parsed.options.get('--regexp') ?? [])];
    const patternWord =
      given.length > 0 || hasOption(parsed, '-f', '--file') ? undefined : parsed.operands[0];
    const patterns = patternWord === undefined ? given : [patternWord.text];
    const files = parsed.operands.slice(patternWord === undefined ? 0 : 1);
    const forSecrets =
      patterns.some(searchesForSecrets) || (patternWord !== undefined && !patternWord.literal);
    const named = files.filter((word) => word.literal && !hasGlobMagic(word.text)).map((word) => word.text);
    return effect({
      subcommand: program,
      reads: forSecrets ? texts(files) : named.filter((path) => !path.endsWith('/')),
      ...(forSecrets ? { secretOutput: [CREDENTIALS_CLASS] } : {}),
    });
  };
}

/** awk's program can run commands (`system()`, `print | "cmd"`, `"cmd" | getline`) and open sockets
 * (`/inet/`); one that does none of that only reads its files. */
function awk({ args }: ProgramInput): CommandEffect {
  const parsed = parseArgs(args, PATTERN_FIRST.awk as ReadonlySet<string>);
  const fromFile = hasOption(parsed, '-f');
  const program = fromFile ? undefined : parsed.operands[0];
  if (
    fromFile ||
    program === undefined ||
    !program.literal ||
    /system\s*\(|\||\/inet|getline|fflush|close\s*\(/.test(program.text)
  )
    return unknownEffect('awk', 'inline_code', { code: program ? [program.text] : [] });
  return effect({ reads: texts(parsed.operands.slice(1)), subcommand: 'awk' });
}

/** sed's `e` command and `s///e` flag run shell commands; `w FILE` writes; `-i` edits in place. */
function sed({ args }: ProgramInput): CommandEffect {
  const parsed = parseArgs(args, PATTERN_FIRST.sed as ReadonlySet<string>);
  const given = [...(parsed.options.get('-e') ?? []), ...(parsed.options.get('--expression') ?? [])];
  const scriptWord = given.length > 0 || hasOption(parsed, '-f', '--file') ? undefined : parsed.operands[0];
  const scripts = scriptWord === undefined ? given : [scriptWord.text];
  const files = texts(parsed.operands.slice(scriptWord === undefined ? 0 : 1));
  if (
    hasOption(parsed, '-f', '--file') ||
    (scriptWord !== undefined && !scriptWord.literal) ||
    scripts.some((script) => /(^|[;\n{}])\s*e(\s|$)|\/[gpIiMm0-9]*e[gpIiMm0-9]*\s*($|[;}])/.test(script))
  )
    return unknownEffect('sed', 'inline_code', { code: scripts });
  const written = scripts.flatMap((script) =>
    [...script.matchAll(/(?:^|[;\n}]|\/[gpIiMm0-9]*)\s*[wW]\s+(\S+)/g)].map((match) => match[1] ?? ''),
  );
  const inPlace = parsed.flagWords.some((flag) => /^-[a-zA-Z]*i|^--in-place/.test(flag));
  return effect({ reads: files, writes: [...(inPlace ? files : []), ...written] });
}

function writer(valueOptions: ReadonlySet<string>, skipOperands = 0): ProgramClassifier {
  return ({ args }) => effect({ writes: texts(parseArgs(args, valueOptions).operands.slice(skipOperands)) });
}

/** cp/mv/ln/install: the last operand is written, the others read (mv also removes them); a recursive copy
 * takes whole trees. */
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
    const recursive = hasOption(parsed, '-r', '-R', '-a', '--recursive', '--archive') || program === 'mv';
    return effect({
      reads: sources,
      writes: program === 'mv' ? [...destinations, ...sources] : destinations,
      trees: recursive ? sources : [],
    });
  };
}

function remover({ command, args }: ProgramInput): CommandEffect {
  const parsed = parseArgs(args, new Set(['-n', '--iterations', '-s', '--size']));
  // shred overwrites before it unlinks: nothing brings the file back, forced or not.
  const forceful =
    hasOption(parsed, '-r', '-R', '--recursive', '-f', '--force') || command.argv[0]?.text.endsWith('shred');
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

const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

/** find lists names; `-exec CMD {} ;` runs CMD on each (a command of the line, `{}` standing for what the
 * search can find), `-delete` deletes, `-fprint FILE` writes. */
/** The paths a find can print, as globs: each root, anything below it, filtered by `-name`. */
export function findMatches(args: readonly ShellWord[]): string[] {
  const firstExpression = args.findIndex((word) => /^[-(!]/.test(word.text));
  const roots = (firstExpression === -1 ? args : args.slice(0, firstExpression)).map((word) => word.text);
  const names = args.flatMap((word, i) => (/^-i?name$/.test(word.text) ? [args[i + 1]?.text ?? '*'] : []));
  return (roots.length === 0 ? ['.'] : roots).flatMap((root) =>
    (names.length === 0 ? [''] : names).map(
      (name) => `${root.replace(/\/+$/, '')}/**${name === '' ? '' : `/${name}`}`,
    ),
  );
}

function find({ args }: ProgramInput): CommandEffect {
  const firstExpression = args.findIndex((word) => /^[-(!]/.test(word.text));
  const roots = (firstExpression === -1 ? args : args.slice(0, firstExpression)).map((word) => word.text);
  const found = findMatches(args);
  const runs: ShellWord[][] = [];
  for (let at = 0; at < args.length; at++) {
    if (!FIND_EXEC.has((args[at] as ShellWord).text)) continue;
    const end = args.findIndex((word, i) => i > at && (word.text === ';' || word.text === '+'));
    const argv = args.slice(at + 1, end === -1 ? undefined : end);
    runs.push(
      argv.flatMap((word) =>
        word.text === '{}' ? found.map((text) => ({ ...word, text, literal: true })) : [word],
      ),
    );
    at = end === -1 ? args.length : end;
  }
  const writes = args.flatMap((word, i) =>
    /^-fprint|^-fls$/.test(word.text) ? [args[i + 1]?.text ?? ''] : [],
  );
  const removes = runs.some((argv) => /(^|\/)(rm|shred|unlink)$/.test(argv[0]?.text ?? ''));
  if (args.some((word) => word.text === '-delete') || removes)
    return effect({
      writes: roots,
      labels: ['deletion', 'destructive'],
      context: { reversibility: 'irreversible' },
      runs,
    });
  return effect({ writes, runs });
}

/** tar/zip/7z: creating an archive reads the trees named whole; extracting writes; the options that run
 * programs (`--to-command`, `-I PROG`, `--checkpoint-action=exec`, `zip -TT`) make it unknown. */
function archiver(program: string): ProgramClassifier {
  return ({ args }) => {
    const words = texts(args);
    if (
      words.some((word) =>
        /^--(to-command|checkpoint-action|use-compress-program|rsh-command|info-script|new-volume-script)|^-[A-Za-z]*I$|^-TT$|^--unzip-command/.test(
          word,
        ),
      )
    )
      return unknownEffect(program, 'inline_code');
    const parsed = parseArgs(
      args,
      new Set([
        '-f',
        '--file',
        '-C',
        '--directory',
        '-T',
        '--files-from',
        '-X',
        '--exclude-from',
        '-d',
        '-x',
        '-i',
        '-o',
      ]),
    );
    const bundled = words[0] !== undefined && !words[0].startsWith('-') && program === 'tar' ? words[0] : '';
    const has = (short: string, long: string): boolean =>
      parsed.flagWords.some((flag) => flag === long || (/^-[A-Za-z]+$/.test(flag) && flag.includes(short))) ||
      bundled.includes(short);
    const operands = texts(parsed.operands).filter((word) => word !== bundled);
    const archive =
      parsed.options.get('-f')?.[0] ??
      parsed.options.get('--file')?.[0] ??
      (bundled.includes('f') ? operands.shift() : undefined);
    if (program === 'tar') {
      if (has('c', '--create') || has('r', '--append') || has('u', '--update'))
        return effect({
          subcommand: 'create',
          trees: operands,
          reads: operands,
          writes: archive && archive !== '-' ? [archive] : [],
        });
      if (has('x', '--extract') || has('x', '--get'))
        return effect({
          subcommand: 'extract',
          reads: archive ? [archive] : [],
          writes: parsed.options.get('-C') ?? parsed.options.get('--directory') ?? ['.'],
        });
      return effect({ subcommand: 'list', reads: archive ? [archive] : [] });
    }
    if (program === 'unzip')
      return effect({
        subcommand: 'extract',
        reads: operands.slice(0, 1),
        writes: parsed.options.get('-d') ?? ['.'],
      });
    if (program === '7z' || program === '7za') {
      const [verb = '', target, ...sources] = operands;
      return verb === 'a'
        ? effect({ subcommand: 'create', trees: sources, reads: sources, writes: target ? [target] : [] })
        : effect({ subcommand: verb, reads: target ? [target] : [], writes: ['.'] });
    }
    // zip OUT.zip SOURCES…
    const [target, ...sources] = operands;
    return effect({
      subcommand: 'create',
      trees: sources,
      reads: sources,
      writes: target && target !== '-' ? [target] : [],
    });
  };
}

const NO_VALUES = new Set<string>();

function builder({ args }: ProgramInput): CommandEffect {
  const parsed = parseArgs(args, new Set(['-o', '-p', '--project', '--outDir', '-d', '-I', '-L', '-l']));
  return effect({
    writes: [
      ...(parsed.options.get('-o') ?? []),
      ...(parsed.options.get('--outDir') ?? []),
      ...(parsed.options.get('-d') ?? []),
    ],
  });
}

/** Compilers and formatters that read sources and write outputs and run none of the project's code. */
const BUILDERS = new Set([
  'tsc',
  'gcc',
  'g++',
  'cc',
  'c++',
  'clang',
  'clang++',
  'rustc',
  'javac',
  'gofmt',
  'shellcheck',
  'shfmt',
]);

export const FILE_PROGRAMS: Record<string, ProgramClassifier> = {
  ...Object.fromEntries([...METADATA_PROGRAMS].map((program) => [program, () => effect()])),
  ...Object.fromEntries([...READERS].map((program) => [program, reader])),
  ...Object.fromEntries(
    [...SEARCHERS].map((program) => [
      program,
      search(program, PATTERN_FIRST[program] as ReadonlySet<string>),
    ]),
  ),
  ...Object.fromEntries([...BUILDERS].map((program) => [program, builder])),
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
  sed,
  tar: archiver('tar'),
  zip: archiver('zip'),
  unzip: archiver('unzip'),
  '7z': archiver('7z'),
  '7za': archiver('7z'),
  gzip: reader,
  sort: ({ args }) => {
    const parsed = parseArgs(args, new Set(['-o', '--output', '-k', '-t', '-S', '-T']));
    return effect({
      reads: texts(parsed.operands),
      writes: [...(parsed.options.get('-o') ?? []), ...(parsed.options.get('--output') ?? [])],
    });
  },
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
