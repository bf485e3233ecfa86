import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../system/startup-error.js';

export interface DataDirLock {
  /**
   * The pid of a process that died holding the lock (kill -9, a crash) if it was taken over (0: a
   * lock file without a pid), else null.
   */
  tookOverFrom: number | null;
  release(): void;
}

const LOCK_FILE = 'switchboard.lock';

/** Directories this process holds: a lock file naming our own pid is stale unless listed here. */
const held = new Set<string>();

/**
 * One process per data directory: the embedded database (the server on DATA_DIR/postgres, or PGlite) belongs to one process,
 * and a second one opening the same files would corrupt them. Taken before the database is opened;
 * the lock file holds the owner's pid. A lock whose pid no longer runs (killed with -9, crashed) is
 * stale and taken over, and the caller says so. It does not protect against a pid reused by an
 * unrelated process: the message names the file to delete then.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  let tookOverFrom: number | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
    const owner = readOwner(file);
    if (owner !== null && (held.has(dataDir) || (owner !== process.pid && isRunning(owner)))) throw lockedError(dataDir, owner);
    if (owner === null && attempt === 0) {
      // No pid yet: its owner may be between creating and writing it; look again shortly.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      continue;
    }
    // Stale: its owner is gone (or it never got a pid written).
    tookOverFrom = owner ?? 0;
    unlinkSync(file);
  }
  held.add(dataDir);
  return {
    tookOverFrom,
    release() {
      if (!held.delete(dataDir)) return;
      try {
        if (readOwner(file) === process.pid) unlinkSync(file);
      } catch {
        // already gone: nothing to release
      }
    },
  };
}

/**
 * Throws the same StartupError as lockDataDir when a live process holds the directory, without
 * taking it: lets an entry point stop at once, before loading the app, instead of after. The lock
 * itself is still taken by lockDataDir, before the database is opened.
 */
export function assertDataDirFree(dataDir: string): void {
  const owner = readOwner(join(dataDir, LOCK_FILE));
  if (owner !== null && (held.has(dataDir) || (owner !== process.pid && isRunning(owner)))) throw lockedError(dataDir, owner);
}

function lockedError(dataDir: string, owner: number): StartupError {
  const who = owner === process.pid ? 'this process' : `process ${owner}`;
  return new StartupError(
    `the data directory ${dataDir} is in use by ${who} (another switchboard, or npm run migration:*): stop it, or set DATA_DIR to another directory (if no such process runs, delete ${join(dataDir, LOCK_FILE)})`,
  );
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
  // A killed process not yet reaped by its parent (a zombie) still answers kill 0 on Linux.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): trust kill 0
  }
}
