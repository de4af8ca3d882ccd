/**
 * The boundaries of server/ (docs: conventions "A layout that shows the architecture"):
 * - a module is entered through its index.ts: a file of server/modules/A may import from server/modules/B only
 *   B's index.ts, and so may the flows, the ledger, the platform and services.ts;
 * - the flows sit above the modules: nothing under server/modules or server/ledger imports server/flows;
 * - no import cycles.
 * Type-only imports count: a type is as much a dependency as a value.
 *
 * Run: npm run check:boundaries (or `depcruise --config .dependency-cruiser.cjs <folder>`).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'module-through-its-index',
      comment: "A module may use another module only through that module's index.ts (its service, ports and read functions).",
      severity: 'error',
      from: { path: '(^|/)server/modules/([^/]+)/' },
      to: { path: '(^|/)server/modules/[^/]+/', pathNot: ['(^|/)server/modules/$2/', '(^|/)server/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'outside-through-module-index',
      comment: 'Flows, the ledger, the platform and services.ts use a module only through its index.ts.',
      severity: 'error',
      from: { path: '(^|/)server/(flows/|ledger/|platform/|services\\.ts$)' },
      to: { path: '(^|/)server/modules/[^/]+/', pathNot: '(^|/)server/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'no-flows-below',
      comment: 'Flows span modules; modules and the ledger never depend on them (a module asks for one through a port).',
      severity: 'error',
      from: { path: '(^|/)server/(modules|ledger)/' },
      to: { path: '(^|/)server/flows/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
