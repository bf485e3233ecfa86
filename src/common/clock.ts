import { Injectable } from '@nestjs/common';

/**
 * Time comes from here, so tests can control it. `epochMs` is the clock of deadlines: the plugin
 * sandbox takes it as a plain function (SandboxPool, SandboxEngine, PluginInstance `now` options),
 * so it stays framework-free. Worker threads cannot share a function with this thread, so inside a
 * sandbox worker deadlines run on the system clock (epoch ms on every thread, so both sides agree).
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  epochMs(): number {
    return Date.now();
  }
}

/** The system clock, for code outside Nest (CLIs, worker threads). */
export const systemClock = new Clock();
