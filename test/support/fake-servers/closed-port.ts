import net, { type AddressInfo } from 'node:net';

/**
 * A 127.0.0.1 port nothing listens on (briefly bound, then released), for "connection refused"
 * cases. Another process could grab it in between; on a test machine that is rare enough.
 */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
