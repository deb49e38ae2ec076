/**
 * The layering of dendrites, checked in CI by `npm run lint:deps` (dependency-cruiser):
 *
 *   src/core          the engine: imports only itself and src/errors.ts (and rxjs, node builtins)
 *   src/connectors/X  client machinery for X (kafka, cassandra, avro): core, errors and its own folder
 *   src/stages        one public factory per file: core, connectors, other stages
 *   src/graphs        builder, CQRS graphs, jobs: stages, connectors, core
 *   src/samples/*, src/cli, examples
 *                     users of the package: they reach it only through its entry points (`dendrites`,
 *                     `dendrites/kafka`, ...: tsconfig.json's `paths` resolve those to the entry files
 *                     src/{index,kafka,cassandra,avro,cqrs,stage}.ts, src/testkit/index.ts and
 *                     src/samples/NAME/index.ts), plus their own folder
 *
 * and no import cycles anywhere, not even one closed only by `import type` (erased when compiled,
 * but the modules still cannot be understood one without the other). The record shapes that
 * flow between connectors (KafkaRecord, ConsumerRecords, Decoded/Valid/Invalid) live in
 * src/core/records.ts, so a connector never needs another's. Tests, bench, chaos and services
 * may import anything that resolves.
 */

/** The files a `dendrites*` import resolves to. */
const ENTRY_FILES = [
  '^src/(index|kafka|cassandra|avro|cqrs|stage)\\.ts$',
  '^src/testkit/index\\.ts$',
  '^src/samples/[^/]+/index\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle of imports: modules that cannot be loaded, understood or tested one without the other ' +
        '(and whose top-level code may run before what it uses is initialised). A cycle closed only by ' +
        '`import type` counts too: move the shared types into the module lower down, or one of their own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import dependency-cruiser cannot resolve: a missing file or package, or an entry point the ' +
        'tsconfig paths do not map (which would hide it from the layering rules below).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment:
        'src/core is the engine: it imports only src/core and src/errors.ts, never a connector, stage, ' +
        'graph, sample, the CLI, the testkit or an entry file.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/errors\\.ts$'] },
    },
    {
      name: 'core-loads-no-client-library',
      severity: 'error',
      comment: 'The engine (and so `dendrites`) loads neither kafkajs, cassandra-driver nor avsc.',
      from: { path: '^src/core/' },
      to: { path: '(^|/)node_modules/(kafkajs|cassandra-driver|avsc)/' },
    },
    {
      name: 'dendrites-entry-loads-no-client-library',
      severity: 'error',
      comment:
        '`dendrites` (src/index.ts) loads neither kafkajs, cassandra-driver nor avsc, at any depth: they are ' +
        'optional peer dependencies, and a user of the engine alone has none of them installed.',
      from: { path: '^src/index\\.ts$' },
      to: { path: '(^|/)node_modules/(kafkajs|cassandra-driver|avsc)/', reachable: true },
    },
    {
      name: 'connectors-only-core-errors-and-own-folder',
      severity: 'error',
      comment:
        'src/connectors/X is the client machinery of X: it imports only src/core, src/errors.ts and ' +
        'src/connectors/X (plus node builtins and npm packages).',
      from: { path: '^src/connectors/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/errors\\.ts$', '^src/connectors/$1/'] },
    },
    {
      name: 'stages-not-upward',
      severity: 'error',
      comment: 'A stage is built from core and connectors: it imports no graph, sample, CLI, testkit or entry file.',
      from: { path: '^src/stages/' },
      to: { path: ['^src/(graphs|samples|cli|testkit)/', ...ENTRY_FILES] },
    },
    {
      name: 'graphs-not-upward',
      severity: 'error',
      comment: 'Graphs are built from stages, connectors and core: they import no sample, the CLI, the testkit or an entry file.',
      from: { path: '^src/graphs/' },
      to: { path: ['^src/(samples|cli|testkit)/', ...ENTRY_FILES] },
    },
    {
      name: 'samples-only-via-entry-points',
      severity: 'error',
      comment:
        'A sample is a user of the package: it imports `dendrites*` entry points (and its own folder), ' +
        'never src/ internals such as src/core/time.ts.',
      from: { path: '^src/samples/([^/]+)/' },
      to: { path: '^src/', pathNot: [...ENTRY_FILES, '^src/samples/$1/'] },
    },
    {
      name: 'cli-only-via-entry-points',
      severity: 'error',
      comment:
        'The CLI is a user of the package: it imports `dendrites*` entry points (and src/cli itself, and ' +
        'services/), never src/ internals such as src/errors.ts: import those names from `dendrites`.',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: [...ENTRY_FILES, '^src/cli/'] },
    },
    {
      name: 'examples-only-via-entry-points',
      severity: 'error',
      comment: 'The examples show how a user writes code: they import `dendrites*` entry points, never src/ internals.',
      from: { path: '^examples/' },
      to: { path: '^src/', pathNot: ENTRY_FILES },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is not followed, but imports of it stay in the graph (for core-loads-no-client-library).
    exclude: { path: '^(dist|coverage|bench/\\.build)/' },
    // Type-only imports count: a layer that names another's types depends on it all the same.
    tsPreCompilationDeps: true,
    // `dendrites`, `dendrites/kafka`, ... resolve through tsconfig.json's `paths` to src/.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
