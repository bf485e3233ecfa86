import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
// A namespace import: the package's typings are CommonJS-flavoured, its ESM build has a default export.
import * as releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';

/** The bits of the WebAssembly API used here (the project's lib settings do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const variantExport = releaseSync.default as unknown as QuickJSSyncVariant | { default: QuickJSSyncVariant };
const variant: QuickJSSyncVariant = 'default' in variantExport ? variantExport.default : variantExport;

/** One QuickJS WebAssembly instance with its own, capped linear memory. */
export interface QuickJsModuleHandle {
  module: QuickJSWASMModule;
  memory: WasmMemory;
  /** Cap of `memory`, in bytes. */
  maxBytes: number;
  /** The emscripten heap allocator, to check that a string fits before copying it in. */
  malloc(bytes: number): number;
  free(pointer: number): void;
}

interface EmscriptenHeap {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const PAGE = 65_536;
/** The module declares a 16 MB minimum memory. */
const MIN_PAGES = 256;
/** The glue code never grows memory past 2 GB. */
const MAX_PAGES = 32_768;
/** Static data plus the 5 MB emscripten stack sit below the heap (measured: heap starts at ~5.1 MB). */
const ENGINE_RESERVED_BYTES = 6 * 1024 * 1024;
/** QuickJS's JS_INTERRUPT_COUNTER_INIT: the counter holds this value while the interrupt handler runs. */
const COUNTER_INIT = 10_000;

/**
 * emscripten prints an abort (a leak assertion when a broken instance is disposed) to stderr; the
 * instance is dropped either way, and the log is no place for it.
 */
// Not in the loader options' typings, but passed through to emscripten's Module, which honours them.
const SILENT = { print: () => undefined, printErr: () => undefined } as unknown as NonNullable<Parameters<typeof newVariant>[1]['emscriptenModule']>;

let compiled: Promise<object> | undefined;
let counterOffset: Promise<number | null> | undefined;

/**
 * Modules handed back by instances that were disposed cleanly, for the next load on this thread
 * (see QuickJsModuleFactory.recycle). As many as a worker has transient calls in flight in a health
 * sweep (HEALTH_CHECK_CONCURRENCY spread over the workers), so a sweep creates none after its first
 * round; each idle one holds the pages its last runtime touched (~0.3-1 MB).
 */
const MAX_IDLE_MODULES = 32;
const idle: QuickJsModuleHandle[] = [];

/**
 * Builds QuickJS WebAssembly modules, one per loaded plugin instance.
 *
 * Why one module per instance: QuickJS's own memory limit is not enforced in this build (emscripten
 * reports a usable size of 0, so the runtime counts 8 bytes per allocation, a known limitation of
 * quickjs-emscripten: measured, a "32 MB" runtime grew to 2 GB). A WebAssembly memory with a `maximum`
 * is a hard cap instead, and it is per module. It also contains the damage of a host stack overflow
 * or an emscripten abort to the one instance that caused it. The compiled code is shared.
 *
 * Cost, measured on the 2-core machine (2026-12-02): a new module (memory, instantiation,
 * emscripten start-up) is 3-5 ms of CPU plus the garbage collections its 16 MB memory provokes;
 * per check of a health sweep it was most of the ~10 ms a cold load cost. So a module whose
 * instance was disposed cleanly is recycled (recycle()): the next instance gets it, with a new
 * runtime and context, which is what isolates one instance from the one before. One module still
 * serves one live instance at a time.
 */
export class QuickJsModuleFactory {
  static async create(memoryBytes: number): Promise<QuickJsModuleHandle> {
    const maxPages = pagesFor(memoryBytes);
    const reused = idle.findIndex((handle) => handle.maxBytes === maxPages * PAGE);
    if (reused >= 0) return idle.splice(reused, 1)[0];
    const wasmModule = await compiledWasm();
    const memory = new Wasm.Memory({ initial: MIN_PAGES, maximum: maxPages });
    const module = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory: memory, emscriptenModule: SILENT }));
    const heap = (module as unknown as { module: EmscriptenHeap }).module;
    return {
      module,
      memory,
      maxBytes: maxPages * PAGE,
      malloc: (bytes) => heap._malloc(bytes),
      free: (pointer) => heap._free(pointer),
    };
  }

  /**
   * Hands back the module of an instance whose runtime (and with it every context, object and
   * string of the script) was freed without error, so the next create() on this thread skips the
   * memory and instantiation. Only a module that is as a fresh one would be is kept: its memory
   * never grew past the initial size (so the heap-exhaustion checks read it as new), and the caller
   * vouches that no limit was hit in it and nothing threw out of WebAssembly (PluginInstance
   * recycles only then). What the previous runtime left in freed heap blocks is not reachable from
   * JavaScript: QuickJS initialises every value it hands a script (ArrayBuffers are zero-filled).
   */
  static recycle(handle: QuickJsModuleHandle): void {
    if (handle.memory.buffer.byteLength !== MIN_PAGES * PAGE || idle.length >= MAX_IDLE_MODULES) return;
    idle.push(handle);
  }

  /** Modules waiting to be reused on this thread (for tests). */
  static get idleModules(): number {
    return idle.length;
  }

  /**
   * Byte offset of `interrupt_counter` inside QuickJS's JSContext, or null when it cannot be proven.
   *
   * QuickJS calls the interrupt handler only every 10 000 function entries / backward jumps, so a
   * loop of expensive builtins (`while (1) new Array(1e6).fill(1)`, ~12 ms per iteration) would
   * overrun its deadline by minutes. Knowing where the counter lives lets the handler shorten the
   * next interval adaptively. Found once per thread by experiment, not by assuming a struct layout.
   */
  static interruptCounterOffset(): Promise<number | null> {
    counterOffset ??= calibrateCounter().catch(() => null);
    return counterOffset;
  }

  /**
   * Compiles the WebAssembly code and finds the interrupt counter ahead of the first load (once per
   * thread), so that start-up cost is paid before any script's deadline runs.
   */
  static async warm(): Promise<void> {
    await Promise.all([compiledWasm(), QuickJsModuleFactory.interruptCounterOffset()]);
  }

  /** quickjs-emscripten keeps the JSContext pointer private; the interrupt budget needs it. */
  static contextPointer(context: QuickJSContext): number {
    return (context as unknown as { ctx: { value: number } }).ctx.value;
  }
}

function pagesFor(memoryBytes: number): number {
  return Math.min(MAX_PAGES, Math.max(MIN_PAGES, Math.ceil((ENGINE_RESERVED_BYTES + memoryBytes) / PAGE)));
}

function compiledWasm(): Promise<object> {
  compiled ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
    return Wasm.compile(await readFile(path));
  })();
  return compiled;
}

async function calibrateCounter(): Promise<number | null> {
  const { module, memory } = await QuickJsModuleFactory.create(0);
  const runtime = module.newRuntime();
  const context = runtime.newContext();
  try {
    const base = QuickJsModuleFactory.contextPointer(context) >> 2;
    const window = 512;
    let candidates: number[] | null = null;
    let calls = 0;
    let onCall: (() => void) | null = null;
    runtime.setInterruptHandler(() => {
      calls++;
      onCall?.();
      return false;
    });
    const run = (code: string): void => {
      const result = context.evalCode(code, 'calibrate.js', { type: 'global' });
      (result.error ?? result.value).dispose();
    };
    const heap = (): Int32Array => new Int32Array(memory.buffer);

    onCall = () => {
      const view = heap();
      const hits: number[] = [];
      for (let i = 0; i < window; i++) if (view[base + i] === COUNTER_INIT) hits.push(i);
      candidates = candidates === null ? hits : candidates.filter((i) => hits.includes(i));
    };
    run('for (let i = 0; i < 100000; i++) {}');
    const found: number[] = candidates ?? [];

    for (const index of found) {
      const write = (value: number): void => {
        heap()[base + index] = value;
      };
      // Written before entry: a full counter must not fire within 500 iterations, a small one must.
      onCall = null;
      write(COUNTER_INIT);
      calls = 0;
      run('for (let i = 0; i < 500; i++) {}');
      if (calls !== 0) continue;
      write(20);
      calls = 0;
      run('for (let i = 0; i < 500; i++) {}');
      if (calls === 0) continue;
      // Written from inside the handler: must shorten the following interval too.
      onCall = () => write(20);
      write(20);
      calls = 0;
      run('for (let i = 0; i < 2000; i++) {}');
      if (calls < 20) continue;
      return index * 4;
    }
    return null;
  } finally {
    runtime.removeInterruptHandler();
    context.dispose();
    runtime.dispose();
  }
}
