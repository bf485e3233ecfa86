import { randomFillSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';

/** Random bytes drawn from the OS at a time: one call per 256 ids instead of one per id. */
const POOL_BYTES = 16 * 256;

/**
 * Ids come from here: UUID v7, time-ordered, so primary keys index well, and monotonic within this
 * process (a counter in the random bits within one millisecond, as the uuid package keeps it when
 * it draws its own randomness). The random bytes come from a pool refilled from the OS, because one
 * OS call per id showed in the delivery profile (several ids per delivery).
 */
@Injectable()
export class IdGenerator {
  private readonly pool = Buffer.alloc(POOL_BYTES);
  private offset = POOL_BYTES;
  private msecs = -Infinity;
  private seq = 0;

  uuid(): string {
    if (this.offset === POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const random = this.pool.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    const now = Date.now();
    if (now > this.msecs) {
      this.msecs = now;
      this.seq = ((random[6] & 0x7f) << 24) | (random[7] << 16) | (random[8] << 8) | random[9];
    } else {
      this.seq = (this.seq + 1) | 0;
      if (this.seq === 0) this.msecs += 1;
    }
    return uuidv7({ random, msecs: this.msecs, seq: this.seq });
  }
}
