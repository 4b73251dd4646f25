// tsc compiles only .ts; the .proto, JSON Schema and SQL files the runtime loads travel beside the compiled code.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['schemas/otlp', 'schemas/json', 'verifier/reports']) {
  if (existsSync(dir)) cpSync(dir, `dist/${dir}`, { recursive: true, filter: (src) => !src.endsWith('.ts') });
}
