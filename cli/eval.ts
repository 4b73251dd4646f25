// `proofline eval`: the labelled corpus through the real pipeline, scored beside the baselines and ablations.
import { writeFile } from 'node:fs/promises';

import { DEFAULT_CORPUS_DIR, loadCorpus } from '../eval/corpus-files.js';
import { renderEvalText } from '../eval/render.js';
import { runCorpus } from '../eval/run.js';
import { scoreRun } from '../eval/score.js';

export interface EvalCommandOptions {
  corpus?: string;
  data?: string;
  json?: string | boolean;
}

export async function runEval(options: EvalCommandOptions): Promise<void> {
  const corpus = await loadCorpus(options.corpus ?? DEFAULT_CORPUS_DIR);
  const report = scoreRun(await runCorpus(corpus, { dataDir: options.data }));
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.json === true) return void process.stdout.write(json);
  process.stdout.write(renderEvalText(report));
  if (typeof options.json === 'string') await writeFile(options.json, json);
}
