interface MethodDefinition {
  responseSerialize: (value: unknown) => Buffer;
}

/**
 * Response encoding that reuses the bytes of list elements it has encoded before. A response of
 * one repeated message field (`{ interfaces: [...] }`) is, on the wire, the concatenation of one
 * tagged, length-prefixed record per element, which is exactly what encoding `{ field: [element] }`
 * alone gives. When every element is a frozen object (a mapper hands out deep-frozen messages only for
 * frozen domain objects, e.g. one per database row version), each element's record is encoded once
 * and kept with it (a WeakMap per method: it goes when the element does); the response is their
 * concatenation, byte for byte what the loader's serializer writes; a frozen list (the same array
 * while its rows are unchanged) keeps the whole response. The bytes handed out are never written
 * to: grpc-js copies them into its frame. Anything else (other fields, an element that is not
 * frozen, an empty list) goes through the loader's serializer as before.
 */
export function memoizeRepeatedResponseFields(packageDefinition: Record<string, unknown>, services: readonly string[]): void {
  for (const service of services) {
    const methods = packageDefinition[service] as Record<string, MethodDefinition> | undefined;
    for (const method of Object.values(methods ?? {})) {
      const serialize = method.responseSerialize;
      const records = new WeakMap<object, Buffer>();
      const responses = new WeakMap<readonly object[], Buffer>();
      method.responseSerialize = (value: unknown) => {
        const elements = soleRepeatedField(value);
        if (elements === null) return serialize(value);
        const [field, list] = elements;
        if (Object.isFrozen(list)) {
          const whole = responses.get(list);
          if (whole !== undefined) return whole;
        }
        for (const element of list) {
          if (typeof element !== 'object' || element === null || !Object.isFrozen(element)) return serialize(value);
        }
        const parts: Buffer[] = new Array<Buffer>(list.length);
        let length = 0;
        for (let i = 0; i < list.length; i += 1) {
          const element = list[i];
          let record = records.get(element);
          if (record === undefined) {
            record = serialize({ [field]: [element] });
            records.set(element, record);
          }
          parts[i] = record;
          length += record.length;
        }
        const response = Buffer.concat(parts, length);
        if (Object.isFrozen(list)) responses.set(list, response);
        return response;
      };
    }
  }
}

/** The field name and its elements when `value` is `{ field: [...] }` (not empty) and nothing else. */
function soleRepeatedField(value: unknown): [string, readonly object[]] | null {
  if (typeof value !== 'object' || value === null) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const list = (value as Record<string, unknown>)[keys[0]];
  if (!Array.isArray(list) || list.length === 0) return null;
  return [keys[0], list as readonly object[]];
}
