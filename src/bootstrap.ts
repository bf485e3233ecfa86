import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { CanActivate, DynamicModule, ExceptionFilter, INestMicroservice, Type } from '@nestjs/common';
import type { NestMicroservice } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { runsApi, type AppConfig } from './config/app-config.js';
import { SERVER_VERSION } from './config/version.js';
import { resolveJwtSecret } from './common/auth/jwt-secret.js';
import { resolveKeyring, SecretBox } from './common/secrets/secret-box.js';
import { GRPC_ENHANCERS } from './common/core.module.js';
import { CallMetrics } from './common/metrics/call-metrics.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './common/database/embedded-postgres.js';
import { normalizeError } from './common/errors/normalize-error.js';
import { renderHttpError } from './common/errors/error-renderers.js';
import { playgroundRouter } from './common/graphql/playground.js';
import { buildOpenApiDocument, OpenApiDocument } from './common/http/openapi.js';
import { routeContract } from './common/http/route-contract.js';
import { SwitchboardGrpcServer } from './common/grpc/switchboard-grpc-server.js';
import { HealthHttpController } from './common/system/health.http-controller.js';
import { RestartService } from './common/system/restart.service.js';
import { portInUseError } from './common/system/startup-error.js';
import { NestPinoLogger } from './common/logging/nest-pino-logger.js';
import { acceptOrCreateTraceId, currentTraceId, runWithContext } from './common/logging/request-context.js';

export interface RunningSwitchboard {
  app: NestExpressApplication;
  /** The ports actually bound (HTTP_PORT / GRPC_PORT 0 let the OS choose). */
  httpPort: number;
  /** null in the worker role, which serves no gRPC. */
  grpcPort: number | null;
  databaseUrl: string;
  /** Resolves when RestartServer asked for a restart (never, unless someone calls it). */
  restartRequested: Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds and starts the whole process: embedded database if no DATABASE_URL, the Nest app with
 * migrations applied, HTTP (REST + GraphQL + playground) and, in the api role, gRPC.
 */
export interface StartOptions {
  /** Extra modules mounted beside the app's own (used by tests to add probe handlers). */
  imports?: (Type | DynamicModule)[];
}

export async function startSwitchboard(config: AppConfig, logger: Logger, options: StartOptions = {}): Promise<RunningSwitchboard> {
  const startedAt = Date.now();
  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = config.database.url;
  if (databaseUrl === null) {
    logger.info({ dataDir: config.dataDir }, 'opening the embedded database (DATABASE_URL is not set)');
    embedded = await startEmbeddedPostgres(config.dataDir, { ...config.database.embedded, log: (level, message, fields) => logger[level](fields ?? {}, message) });
    databaseUrl = embedded.url;
    if (embedded.tookOverLockFrom !== null) {
      logger.warn({ dataDir: config.dataDir, stale_pid: embedded.tookOverLockFrom }, 'took over the stale lock of the data directory: the process holding it is gone (killed or crashed)');
    }
    const what = embedded.engine === 'postgres' ? 'the embedded PostgreSQL server' : 'PGlite (one connection at a time)';
    logger.info({ dataDir: config.dataDir, engine: embedded.engine }, `using ${what} in the data directory; set DATABASE_URL to use your own server`);
  }

  const { secret, source } = resolveJwtSecret(config);
  if (source === 'data_dir') logger.warn({ dataDir: config.dataDir }, 'JWT_SECRET not set: using the generated development secret in DATA_DIR/jwt-secret');
  const keyring = resolveKeyring(config.secretsKey, config.dataDir);
  if (keyring.source === 'data_dir') {
    logger.warn({ dataDir: config.dataDir }, 'SECRETS_KEY not set: secrets at rest are sealed with the key generated in DATA_DIR/secrets-key (back it up with the database; set SECRETS_KEY to share one key between replicas)');
  }

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({
        config,
        logger,
        jwtSecret: secret,
        secretBox: new SecretBox(keyring.keys),
        database: { url: databaseUrl, poolSize: config.database.poolSize, embedded: embedded !== null, singleSession: embedded?.engine === 'pglite', listen: config.database.listen },
        imports: options.imports,
      }),
      { logger: new NestPinoLogger(logger), bodyParser: false, abortOnError: false },
    );
  } catch (err) {
    await embedded?.stop();
    throw err;
  }

  configureHttp(app, config);
  app.get(OpenApiDocument).set(buildOpenApiDocument(app, SERVER_VERSION));

  let grpc: SwitchboardGrpcServer | null = null;
  if (runsApi(config)) {
    const health = app.get(HealthHttpController);
    grpc = new SwitchboardGrpcServer(config, logger, app.get(CallMetrics), () => health.health());
    connectGrpc(app, grpc);
  }

  try {
    await app.startAllMicroservices().catch((err: unknown) => {
      throw portInUseError(err, 'gRPC', 'GRPC_PORT') ?? err;
    });
    await app.listen(config.http.port, config.host).catch((err: unknown) => {
      throw portInUseError(err, 'HTTP', 'HTTP_PORT') ?? err;
    });
  } catch (err) {
    await app.close().catch(() => undefined);
    await embedded?.stop();
    throw err;
  }
  grpc?.setServing(true);

  // Both read back from the bound sockets: with port 0 the OS chose them.
  const httpServer: HttpServer = app.getHttpServer();
  const httpPort = (httpServer.address() as AddressInfo).port;
  const grpcPort = grpc ? grpc.port : null;
  logger.info(
    { version: SERVER_VERSION, role: config.role, http_port: httpPort, grpc_port: grpcPort, boot_ms: Date.now() - startedAt },
    'switchboard ready',
  );

  const restartRequested = new Promise<void>((resolve) => app.get(RestartService).onRequest(resolve));

  let closing: Promise<void> | null = null;
  return {
    app,
    httpPort,
    grpcPort,
    databaseUrl,
    restartRequested,
    close() {
      closing ??= (async () => {
        grpc?.setServing(false);
        // In-flight calls get the grace period; then open streams and HTTP connections are cut.
        const force = setTimeout(() => {
          grpc?.forceShutdown();
          httpServer.closeAllConnections();
        }, config.shutdownTimeoutMs);
        force.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(force);
          await embedded?.stop();
        }
      })();
      return closing;
    },
  };
}

/**
 * The gRPC transport with its own list of global enhancers: the app's guards and filter (the same
 * instances, in the same order), and not the app's interceptor, because Nest wraps every call of
 * every interceptor in observables and async-scope bindings; gRPC writes its access line from
 * grpc-js instead (grpcAccessLog). Listeners are registered only once the list is complete, and
 * the app's init hooks have run already: they are not run a second time for the microservice.
 */
function connectGrpc(app: NestExpressApplication, grpc: SwitchboardGrpcServer): void {
  const microservice = app.connectMicroservice({ strategy: grpc.strategy }, { inheritAppConfig: false, deferInitialization: true }) as INestMicroservice &
    Pick<NestMicroservice, 'setIsInitHookCalled'>;
  microservice.useGlobalGuards(...GRPC_ENHANCERS.guards.map((guard) => app.get<CanActivate>(guard)));
  microservice.useGlobalFilters(...GRPC_ENHANCERS.filters.map((filter) => app.get<ExceptionFilter>(filter)));
  microservice.setIsInitHookCalled(true);
}

/**
 * Express pipeline in front of Nest: JSON body parser with a size cap, the per-call context (trace
 * id), the offline playground, and a last error handler so body-parser failures get the same
 * envelope as everything else.
 */
function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  app.disable('x-powered-by');
  // body-parser reads an empty JSON body (Content-Length: 0) as {}: a PUT of settings would then
  // reset them. It is refused like a missing one (normalize-error.ts maps the type).
  app.use(
    express.json({
      limit: config.http.maxBodyBytes,
      verify: (_req, _res, buf) => {
        if (buf.length === 0) throw Object.assign(new Error('empty JSON body'), { type: 'entity.empty' });
      },
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    const traceId = acceptOrCreateTraceId(req.headers['x-trace-id'] ?? req.headers['x-request-id']);
    res.setHeader('x-trace-id', traceId);
    const transport = req.path === '/graphql' ? 'graphql' : 'http';
    runWithContext({ traceId, transport, operation: `${req.method} ${req.path}`, startedAt: Date.now() }, next);
  });
  if (runsApi(config)) app.use(playgroundRouter());
  const document = app.get(OpenApiDocument);
  app.use(routeContract(() => document.get()));
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const traceId = currentTraceId();
    const { status, body, headers } = renderHttpError(normalizeError(err, traceId).error, traceId);
    res.status(status).setHeader('x-trace-id', traceId).set(headers).json(body);
  });
}
