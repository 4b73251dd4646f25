// summary.json of a captured scenario: the OTLP requests, every log record's attribute types, the tool-call
// facts of each call (the records the Codex mapping reads, with the status lines of their output preview but
// never the output itself), span names with their attribute keys, and every hook stdin's keys.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decodeOtlp } from '../../ingest/otlp/decode.js';
import type { OtlpAnyValue, OtlpKeyValue, OtlpSignal } from '../../ingest/otlp/model.js';

const OTLP_FILE = /^\d+_(logs|traces|metrics)\.(pb|json)$/;
const TOOL_EVENTS = new Set(['codex.tool_decision', 'codex.tool_result']);
const TOOL_FACTS = ['call_id', 'tool_name', 'decision', 'source', 'success'];
const TOOL_SPANS = new Set(['exec_command', 'unified_exec.exec_command', 'codex.process.spawn']);

export async function summarize(dir: string): Promise<Record<string, unknown>> {
  const requests: unknown[] = [];
  const logRecords: unknown[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  const spans: Record<string, Set<string>> = {};
  const toolSpans: unknown[] = [];
  for (const file of (await readdir(join(dir, 'otlp'))).filter((f) => OTLP_FILE.test(f)).sort()) {
    const [, signal, ext] = OTLP_FILE.exec(file)!;
    const body = await readFile(join(dir, 'otlp', file));
    const request = decodeOtlp(body, ext === 'json' ? 'json' : 'protobuf', signal as OtlpSignal);
    let records = 0;
    if (request.signal === 'logs') {
      for (const record of request.resourceLogs
        .flatMap((r) => r.scopeLogs ?? [])
        .flatMap((s) => s.logRecords ?? [])) {
        records += 1;
        const attrs = values(record.attributes);
        const event = String(attrs['event.name'] ?? record.eventName ?? '');
        logRecords.push({ file, 'event.name': event, attributes: types(record.attributes) });
        if (TOOL_EVENTS.has(event))
          toolCalls.push({
            event,
            ...Object.fromEntries(TOOL_FACTS.filter((k) => k in attrs).map((k) => [k, attrs[k]])),
            ...(typeof attrs.output === 'string' ? { output_status: statusLines(attrs.output) } : {}),
          });
        if (event === 'codex.conversation_starts')
          toolCalls.push({
            event,
            approval_policy: attrs.approval_policy,
            sandbox_policy: attrs.sandbox_policy,
          });
      }
    } else if (request.signal === 'traces') {
      for (const span of request.resourceSpans
        .flatMap((r) => r.scopeSpans ?? [])
        .flatMap((s) => s.spans ?? [])) {
        records += 1;
        const name = span.name ?? '';
        spans[name] ??= new Set();
        for (const kv of span.attributes ?? []) spans[name].add(kv.key ?? '');
        if (TOOL_SPANS.has(name)) {
          const attrs = values(span.attributes);
          toolSpans.push({
            name,
            call_id: attrs.call_id ?? null,
            outcome: attrs.outcome ?? null,
            aborted: attrs.aborted ?? null,
            status: span.status ?? null,
            events: (span.events ?? []).map((e) => e.name),
          });
        }
      }
    }
    requests.push({ file, bytes: body.length, records });
  }
  const hooksDir = join(dir, 'hooks');
  const hookFiles = await readdir(hooksDir).catch(() => [] as string[]);
  const hooks = [];
  for (const file of hookFiles.filter((f) => f.endsWith('.stdin.json')).sort()) {
    const stdin = JSON.parse(await readFile(join(hooksDir, file), 'utf8')) as Record<string, unknown>;
    hooks.push({
      file,
      hook_event_name: stdin.hook_event_name,
      keys: Object.keys(stdin),
      ...(stdin.tool_name === undefined ? {} : { tool_name: stdin.tool_name }),
      ...(stdin.permission_mode === undefined ? {} : { permission_mode: stdin.permission_mode }),
      ...(stdin.tool_response === undefined ? {} : { tool_response_type: typeof stdin.tool_response }),
    });
  }
  return {
    otlp_requests: requests,
    tool_calls: toolCalls,
    tool_spans: toolSpans,
    spans: Object.fromEntries(Object.entries(spans).map(([name, keys]) => [name, [...keys].sort()])),
    log_records: logRecords,
    hooks,
  };
}

/** The lines of an exec_command output preview before `Output:` (Codex's own status lines). */
function statusLines(output: string): string[] {
  const end = output.indexOf('\nOutput:\n');
  return (end === -1 ? output : output.slice(0, end))
    .split('\n')
    .filter((line) => !line.startsWith('Chunk ID'));
}

function values(attributes: readonly OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attributes ?? []) if (key && value) out[key] ??= scalar(value);
  return out;
}

function scalar(value: OtlpAnyValue): unknown {
  const [[, v] = []] = Object.entries(value);
  return v;
}

function types(attributes: readonly OtlpKeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (attributes ?? []).map(({ key, value }) => [key ?? '', Object.keys(value ?? {})[0] ?? 'empty']),
  );
}
