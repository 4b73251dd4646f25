// `proofline serve|ingest|assemble --print-config`: the effective configuration, in the config file's own
// format, each value with where it came from (flag, PROOFLINE_* variable, file:line:col, default). Secrets are
// redacted. An unset setting with no default is shown commented out.
import { stringify } from 'yaml';

import { describeOrigin, type Resolved } from './resolve.js';
import { flagOf, settingsOf, SETTINGS, type SettingValues } from './settings.js';

export function renderEffectiveConfig(resolved: Resolved, effective: SettingValues): string {
  const lines = [
    `# proofline ${resolved.command}: effective configuration (flag > PROOFLINE_* env > config file > default)`,
    `# config file: ${resolved.configFile ?? 'none'}`,
  ];
  const rows = settingsOf(resolved.command).map((name) => {
    const value = effective[name] ?? resolved.values[name];
    let origin = describeOrigin(resolved.origins[name]);
    if (name === 'token' && resolved.tokenFile !== undefined)
      origin = `token file ${resolved.tokenFile} (${origin})`;
    if (value === undefined) return { entry: `# ${flagOf(name)}:`, origin: 'not set' };
    const shown = SETTINGS[name].secret ? '<redacted>' : stringify(value).trimEnd();
    return { entry: `${flagOf(name)}: ${shown}`, origin };
  });
  const width = Math.max(...rows.map((row) => row.entry.length));
  lines.push(...rows.map((row) => `${row.entry.padEnd(width)}  # ${row.origin}`));
  if (resolved.ignored.length > 0)
    lines.push(
      `# ignored here (settings of other commands): ${resolved.ignored.map((name) => flagOf(name)).join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}
