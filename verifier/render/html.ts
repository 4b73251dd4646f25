// `proofline report --format html`: one self-contained file for an auditor — whether the evidence verified,
// completeness per runtime family and per session, each session's timeline of actions (route, receipts, ρ,
// rule, approvals) and each action's dependency slice drawn as a graph (slice-graph.ts). Nothing loads from
// anywhere at view time: no script at all, one inline style block allowed by its hash in a strict CSP, inline
// SVG. Every string from a bundle may be hostile, so every one goes through escapeXml and no attribute is
// built from data except escaped text and class names chosen from fixed lists.
import { createHash } from 'node:crypto';

import { CHECKPOINTS } from '../../schemas/bundle.js';
import { ROUTES } from '../../schemas/guard.js';
import type { ActionRow, ApprovalRow, AuditData, SessionInfo } from '../audit-data.js';
import type { CompletenessFigures } from '../completeness.js';
import { humanTime, shortDigest } from './cells.js';
import { escapeXml as esc } from './markup.js';
import { renderSliceSvg, SLICE_DEFS } from './slice-graph.js';

export interface HtmlContext {
  paths: readonly string[];
  since?: string;
  until?: string;
  generatedAt: string;
}

const OUTCOMES = ['succeeded', 'failed', 'blocked', 'unknown'];

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #fff; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d8dce6; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 6px; font-family: ui-monospace, monospace; word-break: break-all; }
p.meta, p.note { color: #5a6275; font-size: 13px; margin: 4px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border: 1px solid #d8dce6; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f1f3f8; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.time, td.receipts { white-space: nowrap; }
td.mono, span.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.banner { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin: 12px 0; }
.banner.ok { background: #e6f6ea; border: 1px solid #7cc48f; color: #17622c; }
.banner.failed { background: #fdeaea; border: 1px solid #e08585; color: #8a1414; }
tr.unverified td { background: #fff3f3; }
.route { padding: 1px 6px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #eef0f5; }
.route.allow { background: #e3f4e7; color: #1f6a35; }
.route.warn { background: #fff4d6; color: #7a5600; }
.route.simulate_first, .route.approval_gate { background: #e2ecfb; color: #1c4f9c; }
.route.block { background: #fbe3e3; color: #932020; }
.outcome.blocked, .outcome.failed { color: #932020; font-weight: 600; }
.receipt { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 2px; border: 1px solid #8a93a6; }
.receipt.present { background: #3a9a57; border-color: #2c7a44; }
.receipt.missing { background: #fff; }
.receipt.expected-missing { background: #e05252; border-color: #b03030; }
.legend { font-size: 12px; color: #5a6275; }
tr.slice-row td { border-top: none; background: #fafbfd; }
details summary { cursor: pointer; font-size: 12px; color: #1c4f9c; }
svg.defs { position: absolute; }
svg.slice { display: block; margin: 6px 0; max-width: 100%; height: auto; }
svg.slice .node rect { fill: #fff; stroke: #8a93a6; stroke-width: 1; }
svg.slice .node.root rect { stroke: #1c4f9c; stroke-width: 2.5; fill: #eef4ff; }
svg.slice .node.labelled rect { stroke: #c0392b; stroke-width: 2; }
svg.slice .node.kind-prompt rect { fill: #fff8e6; }
svg.slice .node.kind-model_request rect { fill: #f3eefc; }
svg.slice .node.kind-guard_decision rect { fill: #e9f6ee; }
svg.slice .node.kind-config rect, svg.slice .node.kind-session_start rect { fill: #f1f3f8; }
svg.slice text { font: 11px ui-monospace, monospace; fill: #1d2330; }
svg.slice text.sub { font-size: 10px; fill: #5a6275; }
svg.slice .edge { fill: none; stroke: #8a93a6; stroke-width: 1.2; }
svg.slice .edge.parent_child { stroke-dasharray: 5 3; }
svg.slice .edge.depends_on { stroke: #c0392b; stroke-dasharray: 2 2; }
svg.slice .edge.same_action { stroke: #c3c8d4; }
svg.defs path { fill: #8a93a6; }
`;

/** Only the style block above may style the page; nothing may load, run, submit or be framed in. */
function contentSecurityPolicy(): string {
  const hash = createHash('sha256').update(STYLE).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; base-uri 'none'; form-action 'none'`;
}

function cell(text: string, cls = ''): string {
  return `<td${cls === '' ? '' : ` class="${cls}"`}>${esc(text)}</td>`;
}

function time(iso: string | null): string {
  return iso === null ? '—' : humanTime(iso);
}

function figuresTable<K extends string>(
  rows: readonly (CompletenessFigures & Record<K, string>)[],
  keys: readonly K[],
): string {
  const head = [...keys, 'actions', 'mean ρ', 'complete', 'complete share', 'unverifiable'];
  return [
    '<table><thead><tr>',
    ...head.map((h) => `<th>${esc(h)}</th>`),
    '</tr></thead><tbody>',
    ...rows.map(
      (r) =>
        `<tr${r.unverifiable > 0 ? ' class="unverified"' : ''}>${keys.map((k) => cell(r[k], 'mono')).join('')}` +
        `${cell(String(r.actions), 'num')}${cell(String(r.mean_rho), 'num')}${cell(String(r.complete_actions), 'num')}` +
        `${cell(String(r.complete_share), 'num')}${cell(String(r.unverifiable), 'num')}</tr>`,
    ),
    '</tbody></table>',
  ].join('');
}

function verification(data: AuditData): string {
  const { overall } = data.completeness;
  if (data.failedChecks === 0)
    return `<div class="banner ok" id="verification-status">Verified: every check passed; ${overall.actions} actions, mean ρ ${overall.mean_rho}.</div>`;
  const listed =
    data.failures.length < data.failedChecks
      ? `<p class="note">The first ${data.failures.length} of ${data.failedChecks} failures; run <span class="mono">proofline verify</span> on the same paths for all of them.</p>`
      : '';
  return [
    `<div class="banner failed" id="verification-status">Verification FAILED: ${data.failedChecks} check(s) failed; ` +
      `${overall.unverifiable} action(s) count as unverifiable (ρ 0). Nothing below is proven where it rests on them.</div>`,
    '<table id="failures"><thead><tr><th>subject</th><th>check</th><th>code</th><th>detail</th></tr></thead><tbody>',
    ...data.failures.map(
      (f) => `<tr>${cell(f.subject, 'mono')}${cell(f.check_name)}${cell(f.code ?? '')}${cell(f.detail)}</tr>`,
    ),
    '</tbody></table>',
    listed,
  ].join('');
}

function receiptDots(a: ActionRow): string {
  return CHECKPOINTS.map((c) => {
    const state = a.receipts.includes(c) ? 'present' : a.missing.includes(c) ? 'expected-missing' : 'missing';
    return `<span class="receipt ${state}" title="${esc(`${c}: ${state.replace('-', ' ')}`)}"></span>`;
  }).join('');
}

function approvalsText(rows: readonly ApprovalRow[]): string {
  return rows
    .map((p) => `${p.decision} (${p.source}${p.approver === null ? '' : `, ${p.approver}`})`)
    .join('; ');
}

function actionRows(a: ActionRow, data: AuditData): string {
  const route = a.route ?? 'none';
  const routeClass = (ROUTES as readonly string[]).includes(route) ? route : 'none';
  const outcomeClass = OUTCOMES.includes(a.outcome) ? a.outcome : 'unknown';
  const slice = data.slices.get(a.file) ?? { roots: [], nodes: [], edges: [] };
  const label = `dependency slice of action ${a.action_id}`;
  return [
    `<tr class="action${a.verified ? '' : ' unverified'}">`,
    cell(time(a.started_at), 'mono time'),
    cell(String(a.sequence), 'num'),
    cell(a.tool_name ?? '—', 'mono'),
    `<td><span class="route ${routeClass}">${esc(route)}</span></td>`,
    `<td class="outcome ${outcomeClass}">${esc(a.outcome)}</td>`,
    `<td class="receipts">${receiptDots(a)}</td>`,
    cell(String(a.rho), 'num'),
    cell(a.verified ? 'yes' : 'NO', a.verified ? '' : 'outcome failed'),
    cell([a.rule, a.reason].filter((t) => t !== null).join(': ')),
    cell(approvalsText(data.approvals.get(a.file) ?? [])),
    cell(shortDigest(a.bundle_digest), 'mono'),
    '</tr>',
    `<tr class="slice-row"><td colspan="11"><details>`,
    `<summary>${esc(label)} — ${slice.nodes.length} node(s), ${slice.edges.length} edge(s); action id <span class="mono">${esc(a.action_id)}</span></summary>`,
    renderSliceSvg(slice, label),
    '</details></td></tr>',
  ].join('');
}

function session(s: SessionInfo, data: AuditData): string {
  return [
    `<section class="session"><h3>${esc(s.session_id)}</h3>`,
    `<p class="meta">${esc(s.runtime_family)} · ${s.actions.length} action(s) · ${s.sealed === null ? 'not sealed' : `sealed (${esc(s.sealed)})`}</p>`,
    '<table class="timeline"><thead><tr><th>time (UTC)</th><th>#</th><th>tool</th><th>route</th><th>outcome</th>',
    '<th>receipts</th><th>ρ</th><th>verified</th><th>rule: reason</th><th>approvals</th><th>bundle</th></tr></thead><tbody>',
    ...s.actions.map((a) => actionRows(a, data)),
    '</tbody></table></section>',
  ].join('');
}

export function renderHtml(data: AuditData, context: HtmlContext): string {
  const window =
    context.since === undefined && context.until === undefined
      ? 'all actions'
      : `actions from ${context.since ?? 'the start'} until ${context.until ?? 'the end'}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>proofline audit report</title>',
    `<style>${STYLE}</style></head><body>`,
    SLICE_DEFS,
    '<header><h1>proofline audit report</h1>',
    `<p class="meta">Evidence: <span class="mono">${esc(context.paths.join(', '))}</span> · ${esc(window)} · generated ${esc(humanTime(context.generatedAt))}</p></header>`,
    '<h2>Verification</h2>',
    verification(data),
    '<h2>Completeness</h2>',
    '<p class="note">ρ = expected receipts observed / expected, recomputed from the receipts; evidence that failed verification counts as ρ 0.</p>',
    figuresTable([{ runtime_family: 'all', ...data.completeness.overall }], ['runtime_family']),
    figuresTable(data.completeness.by_family, ['runtime_family']),
    figuresTable(data.completeness.by_session, ['session_id', 'runtime_family']),
    '<h2>Sessions</h2>',
    '<p class="legend">Receipts, in order: admissibility, open, assumption, approval, closure — ',
    '<span class="receipt present"></span> present, <span class="receipt expected-missing"></span> expected but missing, ',
    '<span class="receipt missing"></span> not expected here. Open a slice to see what the action depended on (blue: the action’s own records; red border: a label such as secret_read).</p>',
    ...(data.sessions.length === 0 ? ['<p class="note">No action bundles.</p>'] : []),
    ...data.sessions.map((s) => session(s, data)),
    '</body></html>',
    '',
  ].join('\n');
}
