/**
 * `text` with control characters (C0, DEL, C1; lone surrogates) written as \uXXXX escapes and cut to
 * `maxChars`: safe to store in PostgreSQL text (which refuses NUL), to log and to show.
 */
export function printable(text: string, maxChars: number): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > maxChars ? `${escaped.slice(0, maxChars)}…` : escaped;
}
