import http from 'node:http';
import https from 'node:https';
import type { VettedTarget } from './address-guard.js';

/**
 * Kept-alive connections, one agent per vetted target: its key holds the exact addresses the guard
 * checked for this request, so a pooled socket is one opened to a vetted address of the same name
 * and port — as safe as a fresh connection, without a TCP (and TLS) handshake per call. When DNS
 * answers differently the key changes and the old agent ages out. Sockets are never queued inside
 * an agent (no socket limit: the dispatcher's concurrency limits bound them), idle ones close
 * after IDLE_SOCKET_MS or sooner when the server's Keep-Alive hint says so (Node's agent reads
 * it), none holds the process open, and at most MAX_AGENTS agents are kept (least recently used
 * dropped).
 */
const AGENTS = new Map<string, http.Agent>();
const MAX_AGENTS = 256;
const IDLE_SOCKET_MS = 4_000;
const MAX_FREE_SOCKETS = 64;

export function agentFor(url: URL, target: VettedTarget): http.Agent {
  const key = `${url.protocol}//${target.hostname}:${target.port}@${target.addresses.map((a) => a.address).sort().join(',')}`;
  const known = AGENTS.get(key);
  if (known) {
    AGENTS.delete(key);
    AGENTS.set(key, known);
    return known;
  }
  const options = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_SOCKET_MS };
  const agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  AGENTS.set(key, agent);
  if (AGENTS.size > MAX_AGENTS) {
    const [oldestKey, oldest] = AGENTS.entries().next().value as [string, http.Agent];
    AGENTS.delete(oldestKey);
    oldest.destroy();
  }
  return agent;
}
