import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DIST_ROOT } from '../../src/config/paths.js';

export const MAIN = join(DIST_ROOT, 'src', 'main.js');

export interface SpawnedApp {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the real entry point (dist/src/main.js) as `npm start` does, with exactly the given
 * environment (plus PATH/HOME), so tests see what an operator sees.
 */
export function spawnApp(env: Record<string, string>, script = MAIN, args: string[] = []): SpawnedApp {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls until the URL answers 200 or the time is up. */
export async function waitForOk(url: string, timeoutMs: number, app?: SpawnedApp): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (app && app.child.exitCode !== null) throw new Error(`app exited early (${app.child.exitCode}): ${app.stderr()}${app.stdout()}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits for the app's "switchboard ready" log line (it logs at info) and returns the ports it
 * reports — the ones the OS chose when HTTP_PORT / GRPC_PORT are 0.
 */
export async function waitForReadyLine(app: SpawnedApp, timeoutMs: number): Promise<{ httpPort: number; grpcPort: number | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // complete lines only: the last piece may still be arriving
    for (const line of app.stdout().split('\n').slice(0, -1)) {
      if (!line.includes('"msg":"switchboard ready"')) continue;
      const ready = JSON.parse(line) as { http_port: number; grpc_port: number | null };
      return { httpPort: ready.http_port, grpcPort: ready.grpc_port };
    }
    if (app.child.exitCode !== null) throw new Error(`app exited early (${app.child.exitCode}): ${app.stderr()}${app.stdout()}`);
    if (Date.now() > deadline) throw new Error(`no "switchboard ready" line within ${timeoutMs} ms: ${app.stderr()}${app.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
