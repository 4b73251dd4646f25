// Text made safe for XML and HTML (JUnit, the HTML report and its SVG): the five specials escaped, and
// characters XML 1.0 cannot carry (most C0 controls, lone surrogates, U+FFFE/FFFF) replaced by U+FFFD. Every
// string from a bundle may have been chosen by the agent, so every one goes through here.

// eslint-disable-next-line no-control-regex -- naming the control characters XML allows is the point
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
