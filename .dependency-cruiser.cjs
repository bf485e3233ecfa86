/**
 * Layering rules of ARCHITECTURE.md §2 and STYLE.md, checked by `npm run lint`:
 * modules meet only through exported services; shared code does not know the modules; domain
 * services do not know the transports.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-does-not-know-modules',
      comment: 'src/common and src/config are shared infrastructure; they never import a domain module.',
      severity: 'error',
      from: { path: '^src/(common|config)/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'entities-and-repositories-stay-in-their-module',
      comment: "A module reaches another only through its exported services, never its entities or repositories.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+\\.(entity|repository)\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'services-know-no-transport',
      comment: 'Domain services speak domain types only: no gRPC, GraphQL, HTTP or transport code.',
      severity: 'error',
      from: { path: '^src/modules/.+\\.service\\.ts$' },
      to: { path: ['^node_modules/(@grpc/grpc-js|@nestjs/graphql|@nestjs/microservices|express)/', '/(grpc|graphql|http)/'] },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^dist/' },
  },
};
