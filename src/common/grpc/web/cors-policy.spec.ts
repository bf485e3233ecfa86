import { CorsPolicy } from './cors-policy.js';

describe('CorsPolicy', () => {
  it('answers a listed origin by name, and says nothing to others', () => {
    const policy = new CorsPolicy(['https://billing.example']);
    expect(policy.responseHeaders('https://billing.example')).toMatchObject({ 'access-control-allow-origin': 'https://billing.example', vary: 'Origin' });
    expect(String(policy.responseHeaders('https://billing.example')['access-control-expose-headers'])).toContain('grpc-status, grpc-message');
    expect(policy.responseHeaders('https://evil.example')).toEqual({});
    expect(policy.responseHeaders(undefined)).toEqual({});
    expect(policy.preflightHeaders('https://evil.example')['access-control-allow-origin']).toBeUndefined();
    const preflight = policy.preflightHeaders('https://billing.example');
    expect(String(preflight['access-control-allow-headers']).split(', ')).toEqual(expect.arrayContaining(['content-type', 'x-grpc-web', 'x-user-agent', 'authorization', 'grpc-timeout']));
  });

  it('answers * literally when every origin is allowed (no credentials mode: the token is a header)', () => {
    const policy = new CorsPolicy(['*']);
    expect(policy.responseHeaders('https://anywhere.example')['access-control-allow-origin']).toBe('*');
    expect(new CorsPolicy([]).responseHeaders('https://anywhere.example')).toEqual({});
  });
});
