import { Injectable, type ArgumentsHost } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Request, Response } from 'express';
import type { GraphQLResolveInfo } from 'graphql';
import { transportMappingOf, type ErrorCode } from '../errors/error-registry.js';
import type { RequestContext } from '../logging/request-context.js';
import { FastCounter, type CounterSeries } from './fast-counter.js';
import { FastHistogram, type HistogramSeries } from './fast-histogram.js';
import { MetricsService } from './metrics.service.js';

type Transport = 'grpc' | 'http' | 'graphql';
type CallStatus = string | number;

interface CallSeries {
  transport: Transport;
  method: string;
  duration: HistogramSeries;
  byStatus: Map<CallStatus, CounterSeries>;
}

const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Express sets req.route only for a matched route: everything else (404s) shares one series. */
const UNMATCHED_ROUTE = {};
const GRPC_OK = 'OK';
const GRAPHQL_OK = 'OK';

/**
 * Calls of the three transports: switchboard_calls_total{transport, method, status} and
 * switchboard_call_duration_seconds{transport, method}. CallLoggingInterceptor reports each HTTP
 * and GraphQL call that completed, grpcAccessLog each gRPC call that ended OK, AllExceptionsFilter
 * each call that failed, so every call counts once.
 *
 * `method` is the gRPC path (`/rustbill.integration.IntegrationService/ListPlugins`), the HTTP
 * method and route pattern (`GET /templates/:id`, never the raw path, which would make a series
 * per id; `unmatched` for no route) or the GraphQL root field (`query me`); nested GraphQL fields
 * are part of their root field's call. `status` is the gRPC status name, the HTTP status code, or
 * `OK` / the GraphQL error code. Durations come from the call context's start (1 ms resolution).
 *
 * The completed path runs on every call: a Map lookup by a key the call already has (the gRPC
 * path, the Express route object, the GraphQL field name) and a few increments; labels are built
 * once per series, the first time it is seen.
 */
@Injectable()
export class CallMetrics {
  private readonly calls = new FastCounter<'transport' | 'method' | 'status'>('switchboard_calls_total', 'Calls served, by transport, method and status');
  private readonly durations = new FastHistogram<'transport' | 'method'>(
    'switchboard_call_duration_seconds',
    'Time from the start of a call to its completion or failure, by transport and method',
    CALL_BUCKETS,
  );
  private readonly grpc = new Map<string, CallSeries>();
  private readonly http = new Map<object, CallSeries>();
  private readonly graphql = { query: new Map<string, CallSeries>(), mutation: new Map<string, CallSeries>(), subscription: new Map<string, CallSeries>() };

  constructor(metrics: MetricsService) {
    metrics.expose(this.calls);
    metrics.expose(this.durations);
  }

  /** A gRPC call that ended OK (grpcAccessLog, as its status goes out). */
  completedGrpc(call: RequestContext): void {
    this.count(this.grpcSeries(call.operation), GRPC_OK, call.startedAt);
  }

  /** A call that completed (CallLoggingInterceptor). */
  completed(host: ArgumentsHost, call: RequestContext): void {
    switch (host.getType<'http' | 'rpc' | 'graphql'>()) {
      case 'rpc':
        return this.count(this.grpcSeries(call.operation), GRPC_OK, call.startedAt);
      case 'graphql':
        return this.count(this.graphqlSeries(host.getArgByIndex<GraphQLResolveInfo>(3)), GRAPHQL_OK, call.startedAt);
      case 'http':
        return this.count(this.httpSeries(host.getArgByIndex<Request>(0)), host.getArgByIndex<Response>(1).statusCode, call.startedAt);
    }
  }

  /** A call that failed with this error (AllExceptionsFilter, once per failed call). */
  failed(host: ArgumentsHost, call: RequestContext | undefined, code: ErrorCode): void {
    if (call === undefined) return;
    const mapping = transportMappingOf(code);
    switch (host.getType<'http' | 'rpc' | 'graphql'>()) {
      case 'rpc':
        return this.count(this.grpcSeries(call.operation), GrpcStatus[mapping.grpc], call.startedAt);
      case 'graphql': {
        const info = host.getArgByIndex<GraphQLResolveInfo | undefined>(3);
        // A nested field's error is part of its root field's call, which the root reports.
        if (info?.path === undefined || info.path.prev !== undefined) return;
        return this.count(this.graphqlSeries(info), mapping.graphql, call.startedAt);
      }
      case 'http':
        return this.count(this.httpSeries(host.getArgByIndex<Request>(0)), mapping.http, call.startedAt);
    }
  }

  private count(series: CallSeries, status: CallStatus, startedAt: number): void {
    series.duration.observe((Date.now() - startedAt) / 1000);
    let counter = series.byStatus.get(status);
    if (counter === undefined) {
      counter = this.calls.seriesFor({ transport: series.transport, method: series.method, status: String(status) });
      series.byStatus.set(status, counter);
    }
    counter.inc();
  }

  private grpcSeries(path: string): CallSeries {
    return this.grpc.get(path) ?? this.newSeries(this.grpc, path, 'grpc', path);
  }

  private httpSeries(req: Request): CallSeries {
    const route = (req.route as { path?: unknown } | undefined) ?? UNMATCHED_ROUTE;
    return this.http.get(route) ?? this.newSeries(this.http, route, 'http', route === UNMATCHED_ROUTE ? 'unmatched' : `${req.method} ${String((route as { path?: unknown }).path)}`);
  }

  private graphqlSeries(info: GraphQLResolveInfo): CallSeries {
    const byField = this.graphql[info.operation.operation];
    return byField.get(info.fieldName) ?? this.newSeries(byField, info.fieldName, 'graphql', `${info.operation.operation} ${info.fieldName}`);
  }

  private newSeries<K>(map: Map<K, CallSeries>, key: K, transport: Transport, method: string): CallSeries {
    const series: CallSeries = { transport, method, duration: this.durations.seriesFor({ transport, method }), byStatus: new Map() };
    map.set(key, series);
    return series;
  }
}
