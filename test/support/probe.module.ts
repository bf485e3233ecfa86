import { createServer, type AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { ApiExcludeController } from '@nestjs/swagger';
import pg from 'pg';
import { Public } from '../../src/common/auth/access.decorator.js';

/** What an unexpected failure deep in the stack looks like: SQL and a secret in the message. */
export const LEAKY_MESSAGE = 'relation "secrets" does not exist: SELECT password FROM secrets WHERE token = \'hunter2\'';

/** The password in the URL of the database that is away. */
export const AWAY_DATABASE_PASSWORD = 'away-database-password-5e1d';

/** What node-postgres throws when its server is gone: a real connection to a closed port, by a URL with a password. */
async function databaseAway(): Promise<never> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const client = new pg.Client({ connectionString: `postgres://switchboard:${AWAY_DATABASE_PASSWORD}@127.0.0.1:${port}/switchboard` });
  client.on('error', () => undefined);
  await client.connect();
  await client.end();
  throw new Error(`port ${port} accepted a connection`);
}

// Test-only: not part of the API, so not in /openapi.json (its 500 is still the error envelope, which the test client checks).
@ApiExcludeController()
@Controller('__probe')
class ProbeHttpController {
  @Public()
  @Get('crash')
  crash(): never {
    throw new Error(LEAKY_MESSAGE);
  }

  @Public()
  @Get('database-away')
  databaseAway(): Promise<never> {
    return databaseAway();
  }
}

@Resolver()
class ProbeResolver {
  @Public()
  @Query(() => String)
  probeCrash(): never {
    throw new Error(LEAKY_MESSAGE);
  }

  @Public()
  @Query(() => String)
  probeDatabaseAway(): Promise<never> {
    return databaseAway();
  }
}

/** Mounted by tests only: handlers that fail unexpectedly or meet a database that is away, to prove how errors are answered. */
@Module({ controllers: [ProbeHttpController], providers: [ProbeResolver] })
export class ProbeModule {}
