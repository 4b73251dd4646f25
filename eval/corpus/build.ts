// `npm run corpus`: regenerates test/corpus/traces/ from test/corpus/seeds/, replacing what was there.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateCorpus } from './generate.js';
import { loadSeeds } from './seed.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** test/corpus/, from the sources (eval/corpus/) or the build (dist/eval/corpus/). */
function corpusDir(): string {
  const candidates = [resolve(HERE, '../../test/corpus'), resolve(HERE, '../../../test/corpus')];
  const found = candidates.find((dir) => existsSync(join(dir, 'seeds')));
  if (!found) throw new Error(`test/corpus/seeds not found (looked in ${candidates.join(', ')})`);
  return found;
}

function main(): void {
  const corpus = corpusDir();
  const seeds = loadSeeds(join(corpus, 'seeds'));
  const files = generateCorpus(seeds);
  const traces = join(corpus, 'traces');
  rmSync(traces, { recursive: true, force: true });
  for (const [file, text] of files) {
    mkdirSync(dirname(join(traces, file)), { recursive: true });
    writeFileSync(join(traces, file), text);
  }
  console.log(`${seeds.length} seeds → ${files.size - 1} traces in ${traces}`);
}

main();
