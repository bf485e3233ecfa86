/**
 * Layering rules (docs/architecture.md, "Public surfaces between modules"), checked by `npm run lint`:
 * modules meet only through their public surfaces; shared code does not know the modules; domain
 * code does not know the transports; only the app mounts the worker module.
 */

/**
 * What another module may import of each module, besides its `<module>.module.ts` and the
 * vocabulary files at the module's root (`*.types.ts`, `*.events.ts`, `*.errors.ts`,
 * `*.permissions.ts`): the services in its module file's `exports:`, and the type files those
 * services' signatures expose. Keep it in step with `exports:` when a module exports a service.
 */
const EXPORTED = {
  plugins: [
    'plugin-runtime\\.service', // PluginRuntime
    'plugin-config\\.service', // PluginConfigService
    'plugin-definitions\\.service', // PluginDefinitionsService
    'plugin-contract', // plugin types, function names, send outcomes: what PluginRuntime callers pass and read
    'plugin-results', // PluginResults: the result type of each contract function
    'outbound-url-policy\\.service', // OutboundUrlPolicy: plugin HTTP's SSRF rules for user-set URLs
  ],
  integration: [
    'notifier-directory\\.service', // NotifierDirectory: enabled notifiers, and sending through one
  ],
  notification: [
    'templates/template\\.service', // TemplateService: templates, rendering, the planner's look-up
    'templates/template\\.types', // the template types its signatures expose
  ],
  events: [
    'event-bus\\.service', // EventBus.publish
    'outbox-relay\\.service', // OutboxRelay.subscribe: how the notification module hears events
    'event-catalog', // payload types, recipients and default messages per event type
  ],
};

const PUBLIC_SURFACE = [
  '^src/modules/[^/]+/[^/]+\\.module\\.ts$',
  '^src/modules/[^/]+/[^/]+\\.(types|events|errors|permissions)\\.ts$',
  ...Object.entries(EXPORTED).flatMap(([module, files]) => files.map((file) => `^src/modules/${module}/${file}\\.ts$`)),
];

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
      name: 'modules-meet-through-public-surfaces',
      comment:
        'Another module may import only a module\'s public surface: its <module>.module.ts, the services its module file ' +
        'exports and the type files they expose (EXPORTED above), and the *.types.ts / *.events.ts / *.errors.ts / ' +
        '*.permissions.ts vocabulary at its root. Never sandbox/, host/, grpc/, graphql/, http/, the scanner, the ' +
        'inspector, repositories or entities.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/', pathNot: ['^src/modules/$1/', ...PUBLIC_SURFACE] },
    },
    {
      name: 'domain-knows-no-transport',
      comment:
        'Domain code (every file of a module outside its grpc/, graphql/ and http/ directories, except the *.module.ts ' +
        'that wires the transports in) speaks domain types only: no gRPC, GraphQL, HTTP framework or transport code.',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: ['/(grpc|graphql|http)/', '\\.module\\.ts$'] },
      to: {
        path: [
          // (^|/): node_modules may resolve through a symlink (a git worktree sharing a checkout's).
          '(^|/)node_modules/(@grpc/|@nestjs/(graphql|apollo|microservices|platform-express)/|@apollo/|graphql/|express/)',
          '/(grpc|graphql|http)/',
        ],
      },
    },
    {
      name: 'only-the-app-mounts-the-worker-module',
      comment:
        'WorkerModule starts the background loops (the @WorkerLoop() providers: relay, dispatcher, health cron, record ' +
        'retention). AppModule mounts it in the roles that run workers; nothing else may, so the role alone decides ' +
        'whether loops run (its own spec aside).',
      severity: 'error',
      from: { pathNot: ['^src/app\\.module\\.ts$', '^src/common/worker/worker\\.module\\.spec\\.ts$'] },
      to: { path: '^src/common/worker/worker\\.module\\.ts$' },
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
