// Reads the committed corpus: test/corpus/traces/index.json and the trace files it lists.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { CorpusIndex, CorpusTrace } from './corpus/trace.js';

/** The repository's corpus, from dist/eval/ or eval/. */
export const DEFAULT_CORPUS_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  '..',
  'test',
  'corpus',
);

export interface Corpus {
  dir: string;
  index: CorpusIndex;
  /** Absolute path of the policy the gold labels were written against. */
  policyFile: string;
  traces: CorpusTrace[];
}

export async function loadCorpus(dir: string = DEFAULT_CORPUS_DIR): Promise<Corpus> {
  const tracesDir = join(dir, 'traces');
  const index = JSON.parse(await readFile(join(tracesDir, 'index.json'), 'utf8')) as CorpusIndex;
  const traces = await Promise.all(
    index.traces.map(
      async (entry) => JSON.parse(await readFile(join(tracesDir, entry.file), 'utf8')) as CorpusTrace,
    ),
  );
  return { dir, index, policyFile: resolve(dir, '..', '..', index.policy), traces };
}
