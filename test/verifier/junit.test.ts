import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { escapeXml } from '../../verifier/render/markup.js';
import { makeDataDir, verify } from './fixtures.js';

/** Parses with Python's expat, a strict XML parser, and returns testcase counts; throws if not well-formed. */
function parseXml(xml: string): {
  tests: number;
  failures: number;
  skipped: number;
  cases: number;
  failed: number;
} {
  const script = `
import sys, json, xml.dom.minidom as m
doc = m.parseString(sys.stdin.buffer.read())
root = doc.documentElement
cases = doc.getElementsByTagName('testcase')
print(json.dumps({'tests': int(root.getAttribute('tests')), 'failures': int(root.getAttribute('failures')),
  'skipped': int(root.getAttribute('skipped')), 'cases': len(cases),
  'failed': len(doc.getElementsByTagName('failure'))}))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml }).toString()) as ReturnType<
    typeof parseXml
  >;
}

describe('junit output', () => {
  it('is well-formed XML with one testcase per subject and check, plus the threshold', async () => {
    const { dir } = await makeDataDir();
    const { stdout, code } = await verify({ paths: [dir], format: 'junit' });
    expect(code).toBe(0);
    // 65 check results (verify.test.ts) and the threshold.
    expect(parseXml(stdout)).toEqual({ tests: 66, failures: 0, skipped: 0, cases: 66, failed: 0 });
  });

  it('stays well-formed when details hold markup, quotes and control characters', async () => {
    const { dir } = await makeDataDir();
    // The parse error of this file's content ends up in a failure message and attribute.
    await writeFile(join(dir, 'bundles', 's1', '000009-<&"\'>.dsse.json'), `{"a": "<b>&amp;\u0001</b>" ]`);
    const { stdout, code } = await verify({ paths: [dir], format: 'junit', minCompleteness: 1 });
    expect(code).toBe(1);
    expect(parseXml(stdout)).toMatchObject({ failures: 2, skipped: 4, failed: 2 });
    expect(stdout).toContain('classname="');
    expect(stdout).toContain('&lt;&amp;&quot;&apos;&gt;');
  });

  it('escapes the five XML specials and replaces characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0000\uFFFE\uD800 ok\n`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\uFFFD\uFFFD\uFFFD ok\n',
    );
  });
});
