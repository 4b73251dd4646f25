// `proofline report --format html` opened in real headless Chromium (Debian's, driven by playwright-core; no
// browser is downloaded): the timeline and the slice graphs are in the page, nothing but the file itself is
// loaded, nothing from the bundles runs, the CSP lets the page's own style apply, and failed verification is
// shown. The screenshot is written where the test output says (SCREENSHOT below).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SessionSpec } from './make-bundles.js';
import { makeDataDir, report, standardSessions } from './fixtures.js';

const CHROMIUM = process.env.PROOFLINE_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(tmpdir(), 'proofline-audit-report');

/** Every string an agent could choose, each trying a different way out of its context. */
const HOSTILE = {
  session: `</style><script>window.__pwned = 'session'</script>`,
  action: `"onerror="window.__pwned='action'`,
  tool: `<img src="https://example.com/x.png" onerror="window.__pwned='tool'">`,
  reason: `</title></svg></td><script>window.__pwned='reason'</script>`,
  rule: `'><svg onload="window.__pwned='rule'">`,
  label: `<iframe src="https://example.com/"></iframe>`,
  node: `<a href="javascript:window.__pwned='node'">x</a>]]><!--`,
};

function hostileSessions(): SessionSpec[] {
  return [
    ...standardSessions(),
    {
      session_id: HOSTILE.session,
      runtime_family: 'tool_hook',
      actions: [
        {
          action_id: HOSTILE.action,
          tool_name: HOSTILE.tool,
          outcome: 'blocked',
          guardReason: HOSTILE.reason,
          guardRule: HOSTILE.rule,
          promptLabels: [HOSTILE.label],
          edit: (proof) => {
            proof.evidence.slice.nodes[0]!.name = HOSTILE.node;
          },
        },
      ],
    },
  ];
}

interface Opened {
  page: Page;
  requests: string[];
  consoleErrors: string[];
  dialogs: string[];
}

let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  profile = await mkdtemp(join(tmpdir(), 'proofline-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function open(file: string): Promise<Opened> {
  const page = await context.newPage();
  const opened: Opened = { page, requests: [], consoleErrors: [], dialogs: [] };
  page.on('request', (request) => opened.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') opened.consoleErrors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return opened;
}

async function htmlReport(
  sessions: SessionSpec[],
  name: string,
  tamper?: (dir: string) => Promise<void>,
): Promise<{ file: string; code: number; stderr: string }> {
  const { dir } = await makeDataDir(sessions);
  await tamper?.(dir);
  const file = join(dir, `${name}.html`);
  const r = await report({ paths: [dir], format: 'html', out: file });
  expect(r.stdout).toBe('');
  return { file, code: r.code, stderr: r.stderr };
}

describe('the HTML audit report in headless Chromium', () => {
  it('shows the timeline and a slice graph, loads nothing but itself, and runs nothing from the bundles', async () => {
    const { file, code } = await htmlReport(hostileSessions(), 'report');
    expect(code).toBe(0);
    const { page, requests, consoleErrors, dialogs } = await open(file);

    // One timeline row per action, in sessions; one graph per action.
    expect(await page.locator('section.session').count()).toBe(3);
    expect(await page.locator('table.timeline tr.action').count()).toBe(5);
    expect(await page.locator('svg.slice').count()).toBe(5);
    const sessionSection = (id: string) =>
      page.locator('section.session', { has: page.locator('h3', { hasText: id }) });
    const firstSession = sessionSection('s1');
    expect(await firstSession.locator('tr.action td.outcome').allTextContents()).toEqual([
      'succeeded',
      'blocked',
      'succeeded',
    ]);
    // a3 ran without its guard receipt: two receipts expected and missing, drawn red.
    const a3 = firstSession.locator('tr.action').nth(2);
    expect(await a3.locator('.receipt.expected-missing').count()).toBe(2);
    expect(await a3.locator('td.num').nth(1).textContent()).toBe('0.6');

    // Opening the first action's slice shows its graph: prompt → request → its five records, arrows drawn.
    await firstSession.locator('details summary').first().click();
    const graph = firstSession.locator('svg.slice').first();
    expect(await graph.isVisible()).toBe(true);
    expect(await graph.locator('g.node').count()).toBe(7);
    expect(await graph.locator('g.node.root').count()).toBe(5);
    expect(await graph.locator('path.edge').count()).toBe(6);
    const box = await graph.boundingBox();
    expect(box!.height).toBeGreaterThan(200);

    // The page's own style applies (its CSP hash is right)…
    const banner = page.locator('#verification-status');
    expect(await banner.textContent()).toMatch(/^Verified: every check passed; 5 actions/);
    expect(
      await page.evaluate("getComputedStyle(document.getElementById('verification-status')).backgroundColor"),
    ).toBe('rgb(230, 246, 234)');
    // …and the CSP is the strict one.
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; img-src 'none'; base-uri 'none'; form-action 'none'$/,
    );

    // Nothing loaded but the file; nothing ran; no element came from the hostile strings.
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('script, img, iframe, a, svg [onload], [onerror]').count()).toBe(0);
    // The hostile strings are there, as text.
    const hostile = sessionSection(HOSTILE.session);
    expect(await hostile.locator('h3').textContent()).toBe(HOSTILE.session);
    expect(await hostile.locator('tr.action td.mono').nth(1).textContent()).toBe(HOSTILE.tool);
    expect(await hostile.locator('tr.action').textContent()).toContain(`${HOSTILE.rule}: ${HOSTILE.reason}`);
    expect(await hostile.locator('summary').textContent()).toContain(HOSTILE.action);
    await hostile.locator('summary').click();
    expect(await hostile.locator('svg.slice g.node title').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(HOSTILE.node), expect.stringContaining(HOSTILE.label)]),
    );

    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const screenshot = join(SCREENSHOT_DIR, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = await readFile(screenshot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    console.log(`screenshot: ${screenshot}`);
    await page.close();
  }, 60_000);

  it('says so, on the page too, when the evidence under it failed verification', async () => {
    const { file, code, stderr } = await htmlReport(standardSessions(), 'failed', async (dir) => {
      const bundle = join(dir, 'bundles', 's1', '000000-a1.dsse.json');
      const envelope = JSON.parse(await readFile(bundle, 'utf8')) as { signatures: { sig: string }[] };
      envelope.signatures[0]!.sig = Buffer.alloc(64).toString('base64');
      await writeFile(bundle, JSON.stringify(envelope));
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/verification checks failed under this report/);
    const { page, requests } = await open(file);
    const banner = page.locator('#verification-status');
    expect(await banner.getAttribute('class')).toBe('banner failed');
    expect(await banner.textContent()).toMatch(
      /^Verification FAILED: \d+ check\(s\) failed; 1 action\(s\) count as unverifiable/,
    );
    expect(await page.locator('#failures tbody tr td:nth-child(2)').allTextContents()).toContain('signature');
    expect(await page.locator('tr.action.unverified').count()).toBe(1);
    expect(requests).toEqual([pathToFileURL(file).href]);
    const screenshot = join(SCREENSHOT_DIR, 'report-failed.png');
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.locator('#verification-status').screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);
    await page.close();
  }, 60_000);
});
