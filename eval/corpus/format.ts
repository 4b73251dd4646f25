// The committed traces' layout: indented JSON, with any object or array that fits on one line written on
// one line. Readable in a diff, and a fraction of the size of fully expanded OTLP attribute lists.
const WIDTH = 110;

export function formatJson(value: unknown): string {
  return `${render(value, '')}\n`;
}

function render(value: unknown, indent: string): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) throw new TypeError('value has no JSON form');
  if (value === null || typeof value !== 'object' || indent.length + flat.length <= WIDTH) return flat;
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((item) => inner + render(item, inner))
    : Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => `${inner}${JSON.stringify(key)}: ${render(item, inner)}`);
  if (entries.length === 0) return flat;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${entries.join(',\n')}\n${indent}${close}`;
}
