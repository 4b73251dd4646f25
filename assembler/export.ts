// `proofline export`: a data directory's segments as one file per bundle (the layout before segments, and
// what a person or a tool that wants files reads): `<out>/bundles/<storageName(session)>/<NNNNNN>-<action>.dsse.json`
// and `seal.dsse.json`, each the record's bytes and a newline, plus the transparency log and the public keys,
// so the export verifies on its own (`proofline verify OUT --checkpoint …`). Names are injective
// (schemas/bundle.ts#storageName): two ids never share a file, whatever characters they hold.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  actionBundleFileName,
  BUNDLES_DIR,
  SEAL_FILE_NAME,
  storageName,
  type ActionProof,
  type SessionSeal,
} from '../schemas/bundle.js';
import { PUBLIC_KEY_SET_FILE } from '../schemas/keys.js';
import { decodeRecord, listSegments, readSegment } from '../schemas/segment.js';
import { CHECKPOINT_FILE, LEAVES_FILE, ORIGIN_FILE, TLOG_DIR } from '../schemas/tlog.js';
import { ExportError } from './errors.js';

export interface ExportResult {
  files: number;
  /** Records that are not bundles (unreadable, torn, too long), by location: `proofline verify` names them. */
  skipped: string[];
}

export async function exportDataDir(dataDir: string, outDir: string): Promise<ExportResult> {
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  if ((await readdir(outDir)).length > 0) throw new ExportError(`${outDir} is not empty`);
  const result: ExportResult = { files: 0, skipped: [] };
  for (const { segment, path } of await listSegments(dataDir)) {
    for await (const entry of readSegment(path, segment)) {
      const location = `${path}:${entry.line}`;
      if (entry.kind !== 'record') {
        result.skipped.push(location);
        continue;
      }
      let file: { session: string; name: string };
      try {
        file = fileFor(decodeRecord(entry.text));
      } catch {
        result.skipped.push(location);
        continue;
      }
      const dir = join(outDir, BUNDLES_DIR, storageName(file.session));
      await mkdir(dir, { recursive: true });
      // `wx`: a second record with the same name (a duplicate, or a second seal) is not silently merged.
      const written = await writeFile(join(dir, file.name), `${entry.text}\n`, { flag: 'wx' }).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return false;
        },
      );
      if (written) result.files += 1;
      else result.skipped.push(location);
    }
  }
  await mkdir(join(outDir, TLOG_DIR));
  for (const name of [ORIGIN_FILE, LEAVES_FILE, CHECKPOINT_FILE])
    await copyFile(join(dataDir, TLOG_DIR, name), join(outDir, TLOG_DIR, name)).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
  await mkdir(join(outDir, 'keys'));
  await copyFile(join(dataDir, 'keys', PUBLIC_KEY_SET_FILE), join(outDir, 'keys', PUBLIC_KEY_SET_FILE)).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    },
  );
  return result;
}

function fileFor(record: ReturnType<typeof decodeRecord>): { session: string; name: string } {
  if (record.kind === 'seal') {
    const { session_id } = record.statement.predicate as SessionSeal;
    if (typeof session_id !== 'string') throw new TypeError('not a session seal');
    return { session: session_id, name: SEAL_FILE_NAME };
  }
  const { summary, manifest } = record.statement.predicate as ActionProof;
  if (typeof summary?.session_id !== 'string' || !Number.isSafeInteger(manifest?.sequence))
    throw new TypeError('not an action proof');
  return { session: summary.session_id, name: actionBundleFileName(manifest.sequence, summary.action_id) };
}
