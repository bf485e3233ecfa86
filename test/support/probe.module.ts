import { Controller, Get, Module } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../src/common/auth/access.decorator.js';

/** What an unexpected failure deep in the stack looks like: SQL and a secret in the message. */
export const LEAKY_MESSAGE = 'relation "secrets" does not exist: SELECT password FROM secrets WHERE token = \'hunter2\'';

// Test-only: not part of the API, so not in /openapi.json (its 500 is still the error envelope, which the test client checks).
@ApiExcludeController()
@Controller('__probe')
class ProbeHttpController {
  @Public()
  @Get('crash')
  crash(): never {
    throw new Error(LEAKY_MESSAGE);
  }
}

@Resolver()
class ProbeResolver {
  @Public()
  @Query(() => String)
  probeCrash(): never {
    throw new Error(LEAKY_MESSAGE);
  }
}

/** Mounted by tests only: handlers that fail unexpectedly, to prove how errors are masked. */
@Module({ controllers: [ProbeHttpController], providers: [ProbeResolver] })
export class ProbeModule {}
