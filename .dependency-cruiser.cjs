// The folder graph, enforced (docs/ARCHITECTURE.md, "Layers"): data flows ingest → transport → assembler →
// verifier; stages share schemas/ (and the guard's policy/), never each other's code; one composition root
// (service/) wires them; nothing imports cli/ or test/. `npm run lint:deps` fails on any violation.
const STAGES = ['ingest', 'transport', 'assembler', 'verifier'];
const ABOVE_STAGES = ['service', 'cli', 'eval', 'bench', 'harness', 'test'];

const folders = (names) => `^(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import loops make a module graph that cannot be read in one direction.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'schemas-are-leaves',
      severity: 'error',
      comment: 'schemas/ holds the contracts every stage shares; it imports nothing of ours.',
      from: { path: '^schemas/' },
      to: { path: folders([...STAGES, 'policy', 'sdk', ...ABOVE_STAGES]) },
    },
    {
      name: 'policy-is-a-library',
      severity: 'error',
      comment: 'policy/ (the guard) is used by ingest and the verifier; it imports only schemas/.',
      from: { path: '^policy/' },
      to: { path: folders([...STAGES, 'sdk', ...ABOVE_STAGES]) },
    },
    {
      name: 'sdk-imports-only-schemas',
      severity: 'error',
      comment: 'proofline/sdk ships to applications: the contracts, nothing of the server.',
      from: { path: '^sdk/' },
      to: { path: folders([...STAGES, 'policy', ...ABOVE_STAGES]) },
    },
    ...STAGES.map((stage) => ({
      name: `${stage}-stays-in-its-stage`,
      severity: 'error',
      comment: `${stage}/ talks to other stages only through schemas/ (contracts) and the composition root.`,
      from: { path: `^${stage}/` },
      to: { path: folders([...STAGES.filter((s) => s !== stage), 'sdk', ...ABOVE_STAGES]) },
    })),
    {
      name: 'service-is-the-root',
      severity: 'error',
      comment: 'service/ wires the stages; it is used by cli/, eval/ and bench/, and uses none of them.',
      from: { path: '^service/' },
      to: { path: folders(['cli', 'eval', 'bench', 'harness', 'test']) },
    },
    {
      name: 'nothing-imports-cli-or-tests',
      severity: 'error',
      comment: 'cli/ only parses and dispatches; test/ is not product code.',
      from: { pathNot: '^(cli|test)/' },
      to: { path: '^(cli|test)/' },
    },
    {
      name: 'eval-and-harness-are-not-product',
      severity: 'error',
      comment: 'The evaluation and the Codex harness drive the product; the product never imports them.',
      from: { path: folders([...STAGES, 'policy', 'sdk', 'schemas', 'service']) },
      to: { path: '^(eval|bench|harness)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
