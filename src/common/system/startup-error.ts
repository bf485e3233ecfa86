/**
 * A start-up failure the operator fixes outside the code (the data directory is in use, a port is
 * taken): its message is the whole story, so the entry point prints it as one line, without a
 * stack, and exits non-zero.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** The one line for a listen() that failed because the port is taken; null for any other failure. */
export function portInUseError(err: unknown, what: string, variable: string): StartupError | null {
  const e = err as Partial<NodeJS.ErrnoException> & { address?: string; port?: number };
  if (e?.code !== 'EADDRINUSE') return null;
  const where = e.port !== undefined ? `port ${e.port}${e.address ? ` on ${e.address}` : ''}` : 'its port';
  return new StartupError(`${what} cannot listen: ${where} is already in use by another process (another switchboard?); stop it or set ${variable} to a free port`);
}
