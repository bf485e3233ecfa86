import { createParamDecorator } from '@nestjs/common';
import { AppError } from '../errors/app-error.js';
import { currentContext } from '../logging/request-context.js';
import type { Caller } from './caller.js';

/** The verified caller of this call (set by AuthGuard); only on handlers that require a token. */
export const CurrentCaller = createParamDecorator((_data: unknown): Caller => {
  const caller = currentContext()?.caller;
  if (!caller) throw new AppError('auth.missing_token', 'This operation needs an authenticated caller');
  return caller;
});
