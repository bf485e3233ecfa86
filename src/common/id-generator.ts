import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';

/** Ids come from here: UUID v7, time-ordered, so primary keys index well. */
@Injectable()
export class IdGenerator {
  uuid(): string {
    return uuidv7();
  }
}
