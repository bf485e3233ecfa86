import { Base64StreamDecoder, Base64StreamEncoder, envelope, isNativeGrpcContentType, parseGrpcWebContentType, percentEncodeGrpcMessage, StreamRequestReader, trailerFrame, UnaryRequestReader } from './grpc-web-codec.js';

describe('gRPC-Web codec', () => {
  it('tells the gRPC-Web content types (binary and text) from native gRPC and the rest', () => {
    expect(parseGrpcWebContentType('application/grpc-web')).toEqual({ text: false, response: 'application/grpc-web+proto' });
    expect(parseGrpcWebContentType('application/grpc-web+proto')).toEqual({ text: false, response: 'application/grpc-web+proto' });
    expect(parseGrpcWebContentType('application/grpc-web-text')).toEqual({ text: true, response: 'application/grpc-web-text+proto' });
    expect(parseGrpcWebContentType('application/grpc-web-text+proto')?.text).toBe(true);
    for (const other of [undefined, 'application/grpc', 'application/grpc-web+json', 'application/json', 'text/plain']) expect(parseGrpcWebContentType(other)).toBeNull();
    expect(['application/grpc', 'application/grpc+proto', 'application/grpc;charset=x'].every(isNativeGrpcContentType)).toBe(true);
    expect(['application/grpc-web', 'application/grpc-web-text', undefined].some(isNativeGrpcContentType)).toBe(false);
  });

  it('percent-encodes grpc-message as the spec says: printable ASCII except % stays', () => {
    expect(percentEncodeGrpcMessage('auth.missing_token: no "token" <here>')).toBe('auth.missing_token: no "token" <here>');
    expect(percentEncodeGrpcMessage('100% 易支付\n')).toBe('100%25 %E6%98%93%E6%94%AF%E4%BB%98%0A');
  });

  it('writes the trailer frame: flag 0x80, length, lowercase "name: value" CRLF lines', () => {
    const bytes = trailerFrame([['Grpc-Status', '0'], ['grpc-message', '']]);
    expect(bytes[0]).toBe(0x80);
    expect(bytes.readUInt32BE(1)).toBe(bytes.length - 5);
    expect(bytes.subarray(5).toString()).toBe('grpc-status: 0\r\ngrpc-message: \r\n');
  });

  it('reads one message split anywhere, and refuses everything else', () => {
    const message = envelope(0, Buffer.from('hello'));
    const reader = new UnaryRequestReader(1024);
    for (const byte of message) expect(reader.push(Buffer.from([byte]))).toBeNull();
    expect(reader.end()).toBeNull();
    expect(reader.message()).toEqual(message);

    const tooLarge = new UnaryRequestReader(4);
    expect(tooLarge.push(message.subarray(0, 5))).toEqual({ kind: 'too_large', length: 5 });
    expect(new UnaryRequestReader(1024).push(envelope(0x80, Buffer.alloc(0)))?.kind).toBe('malformed');
    expect(new UnaryRequestReader(1024).push(Buffer.concat([message, message]))?.kind).toBe('malformed');
    const short = new UnaryRequestReader(1024);
    short.push(message.subarray(0, 7));
    expect(short.end()?.kind).toBe('malformed');
    expect(new UnaryRequestReader(1024).end()?.kind).toBe('malformed');
  });

  it('decodes grpc-web-text split anywhere, several padded runs included', () => {
    const a = envelope(0, Buffer.from('a'));
    const b = envelope(0x80, Buffer.from('grpc-status: 0\r\n'));
    const text = a.toString('base64') + b.toString('base64');
    const decoder = new Base64StreamDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < text.length; i += 3) out.push(decoder.push(text.slice(i, i + 3))!);
    expect(decoder.complete()).toBe(true);
    expect(Buffer.concat(out)).toEqual(Buffer.concat([a, b]));
    expect(new Base64StreamDecoder().push('!!!!')).toBeNull();
    const cut = new Base64StreamDecoder();
    cut.push('QUJD' + 'QQ');
    expect(cut.complete()).toBe(false);
  });

  it('reads a streaming body: each message as it completes, split anywhere, each one checked', () => {
    const a = envelope(0, Buffer.from('first'));
    const b = envelope(0, Buffer.from('second'));
    const both = Buffer.concat([a, b]);
    const reader = new StreamRequestReader(1024);
    const out: Buffer[] = [];
    for (const byte of both) {
      const { messages, problem } = reader.push(Buffer.from([byte]));
      expect(problem).toBeNull();
      out.push(...messages);
    }
    expect(out).toEqual([a, b]);
    expect(reader.end()).toBeNull();
    expect(new StreamRequestReader(1024).push(both).messages).toEqual([a, b]);
    expect(new StreamRequestReader(5).push(Buffer.concat([a, b]))).toEqual({ messages: [a], problem: { kind: 'too_large', length: 6 } });
    expect(new StreamRequestReader(1024).push(Buffer.concat([a, envelope(0x80, Buffer.alloc(0))])).problem?.kind).toBe('malformed');
    const cut = new StreamRequestReader(1024);
    cut.push(b.subarray(0, 7));
    expect(cut.end()?.kind).toBe('malformed');
  });

  it('encodes a streamed grpc-web-text answer as one base64 run, however the bytes were cut', () => {
    const bytes = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
    const encoder = new Base64StreamEncoder();
    const parts = [1, 2, 7, 3, 11, 16].reduce<{ at: number; out: Buffer[] }>(
      (acc, n) => ({ at: acc.at + n, out: [...acc.out, encoder.push(bytes.subarray(acc.at, acc.at + n))] }),
      { at: 0, out: [] },
    );
    const text = Buffer.concat([...parts.out, encoder.end()]).toString('latin1');
    expect(text).toBe(bytes.toString('base64'));
  });
});
