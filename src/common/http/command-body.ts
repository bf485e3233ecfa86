import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiBody, ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Command, JsonSchema } from '../validation/command-schema.js';
import { readJsonBody } from './json-body.js';

const commandOf = createParamDecorator((command: Command<unknown>, ctx: ExecutionContext) => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return command.parse(readJsonBody(req.body, req.headers['content-type']));
});

/**
 * The handler's JSON body, parsed by its command's schema (after the auth guard, so a caller
 * without a token learns nothing about the body rules), and the same schema as the operation's
 * `requestBody` in the OpenAPI document: one definition for both.
 */
export function CommandBody(command: Command<unknown>): ParameterDecorator {
  return (target, key, index) => {
    commandOf(command)(target, key, index);
    const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
    ApiBody({ schema: command.schema, required: true })(target, key!, descriptor);
  };
}

const headerOf = createParamDecorator((name: string, ctx: ExecutionContext) => {
  const value = ctx.switchToHttp().getRequest<Request>().headers[name];
  return Array.isArray(value) ? value.join(',') : value;
});

/**
 * An optional API header (Idempotency-Key), documented as such with its schema. Transport headers
 * (content-type, authorization) are never parameters: the document says them by `requestBody` and
 * `security`.
 */
export function OptionalHeader(name: string, schema: JsonSchema, description: string): ParameterDecorator {
  return (target, key, index) => {
    headerOf(name.toLowerCase())(target, key, index);
    const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
    ApiHeader({ name, required: false, description, schema })(target, key!, descriptor);
  };
}
