import { Writable } from 'node:stream';

/** Collects the app's JSON log lines in memory so tests can assert on them. */
export class LogCapture extends Writable {
  readonly lines: Record<string, any>[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, any>);
    }
    done();
  }

  /** Every captured line as raw text, for "never appears in the logs" checks. */
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }

  withTraceId(traceId: string): Record<string, any>[] {
    return this.lines.filter((l) => l.trace_id === traceId);
  }
}
