import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import type { NotificationAttempt } from '../notification.types.js';

@ObjectType('NotificationAttempt', { description: "One call of the notifier's send() for a record, kept for audit." })
export class NotificationAttemptModel {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: '1 for the first attempt; a replayed record continues the count.' })
  attemptNo!: number;

  @Field({ description: 'The worker that made it (host:pid:suffix).' })
  workerId!: string;

  @Field()
  startedAt!: Date;

  @Field()
  finishedAt!: Date;

  @Field(() => Int)
  durationMs!: number;

  @Field({ description: 'What send() answered: success | temporary_fail | permanent_fail | skipped.' })
  outcome!: string;

  @Field(() => String, { nullable: true, description: 'Seed 003 error code, e.g. provider_5xx, payload_invalid.' })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => Int, { nullable: true, description: "The notifier's Retry-After, when it gave one." })
  retryAfterSeconds!: number | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The params send() was called with (never the interface config or its secrets).' })
  requestPayload!: unknown;

  @Field(() => JsonScalar, { nullable: true, description: 'What send() returned, secrets scrubbed.' })
  responsePayload!: unknown;

  static from(a: NotificationAttempt): NotificationAttemptModel {
    return Object.assign(new NotificationAttemptModel(), {
      id: a.id,
      attemptNo: a.attemptNo,
      workerId: a.workerId,
      startedAt: a.startedAt,
      finishedAt: a.finishedAt,
      durationMs: a.durationMs,
      outcome: a.outcome,
      errorCode: a.errorCode,
      errorMessage: a.errorMessage,
      retryAfterSeconds: a.retryAfterSeconds,
      requestPayload: a.requestPayload,
      responsePayload: a.responsePayload,
    });
  }
}
