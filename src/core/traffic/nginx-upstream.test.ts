import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { renderNginxUpstream, upstreamAddressProblem, type UpstreamServer } from './nginx-upstream.js';

const server = (target: string, address: string, inRotation = true): UpstreamServer => ({ target, address, inRotation });

function renderError(run: () => unknown): GantryError {
  try {
    run();
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error('expected a GantryError');
}

describe('renderNginxUpstream', () => {
  it('writes the servers in the given order, marking those out of rotation down', () => {
    const content = renderNginxUpstream({
      upstream: 'web',
      header: 'Written by Gantry: deployment d-1\nDo not edit',
      servers: [server('a', '127.0.0.1:8001'), server('b', '127.0.0.1:8002', false), server('c', '[::1]:8003'), server('d', 'unix:/run/app/d.sock')],
    });
    expect(content).toBe(
      [
        '# Written by Gantry: deployment d-1',
        '# Do not edit',
        'upstream web {',
        '    server 127.0.0.1:8001;  # a',
        '    server 127.0.0.1:8002 down;  # b (out of rotation)',
        '    server [::1]:8003;  # c',
        '    server unix:/run/app/d.sock;  # d',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('still renders when no server is in rotation (the caller decides whether that is acceptable)', () => {
    const content = renderNginxUpstream({ upstream: 'web', header: '', servers: [server('a', 'app-1.internal:80', false), server('b', 'app-2.internal:80', false)] });
    expect(content).toBe('upstream web {\n    server app-1.internal:80 down;  # a (out of rotation)\n    server app-2.internal:80 down;  # b (out of rotation)\n}\n');
  });

  it('keeps every header line a comment, whatever line breaks it holds', () => {
    const content = renderNginxUpstream({ upstream: 'web', header: 'one\r\ntwo\rthree\n\nfour', servers: [server('a', '127.0.0.1:1')] });
    expect(content.split('\n').slice(0, 5)).toEqual(['# one', '# two', '# three', '#', '# four']);
  });

  it('cannot let a target name end its comment early', () => {
    const content = renderNginxUpstream({ upstream: 'web', header: '', servers: [server('a\nserver 10.0.0.1:80;', '127.0.0.1:1')] });
    expect(content).toBe('upstream web {\n    server 127.0.0.1:1;  # a server 10.0.0.1:80;\n}\n');
  });

  it.each(['web;', 'web {', 'a b', '', 'web\n', '"web"', 'web#x', '-web', 'x'.repeat(101)])('refuses the upstream name %j', (upstream) => {
    const error = renderError(() => renderNginxUpstream({ upstream, header: '', servers: [server('a', '127.0.0.1:1')] }));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain('upstream name');
  });

  it.each(['127.0.0.1:80; server 10.0.0.1:80', '127.0.0.1:80 backup', '127.0.0.1:80}', "'127.0.0.1:80'", '127.0.0.1:80\n', '127.0.0.1:80#', 'unix:/tmp/a b'])(
    'refuses the address %j, naming the target',
    (address) => {
      const error = renderError(() => renderNginxUpstream({ upstream: 'web', header: '', servers: [server('good', '127.0.0.1:1'), server('web-2', address)] }));
      expect(error.code).toBe('MANIFEST_INVALID');
      expect(error.message).toContain('target web-2');
      expect(error.details).toMatchObject({ target: 'web-2', address });
    },
  );

  it('refuses an upstream without servers, which nginx would refuse', () => {
    expect(renderError(() => renderNginxUpstream({ upstream: 'web', header: '', servers: [] })).code).toBe('MANIFEST_INVALID');
  });
});

describe('upstreamAddressProblem', () => {
  it.each([
    '127.0.0.1:8080',
    'localhost:1',
    'app-1.internal.example.com:65535',
    'my_service:80',
    '[::1]:80',
    '[2001:db8::1]:443',
    '[::ffff:192.0.2.1]:80',
    '[1:2:3:4:5:6:7:8]:80',
    '[::]:80',
    'unix:/run/app.sock',
    'unix:/var/run/app/app-1.sock',
  ])('accepts %j', (address) => {
    expect(upstreamAddressProblem(address)).toBeNull();
  });

  it.each([
    ['127.0.0.1', /port/],
    ['127.0.0.1:', /port/],
    ['127.0.0.1:0', /between 1 and 65535/],
    ['127.0.0.1:65536', /between 1 and 65535/],
    ['127.0.0.1:80a', /not a number/],
    ['256.0.0.1:80', /IPv4/],
    [':80', /host is empty/],
    ['-bad.example:80', /host name/],
    ['a..b:80', /host name/],
    ['::1:80', /\[address\]:port/],
    ['[::1]', /port/],
    ['[::1:80', /\[address\]:port/],
    ['[1::2::3]:80', /IPv6/],
    ['[:::]:80', /IPv6/],
    ['[1:2:3:4:5:6:7:8:9]:80', /IPv6/],
    ['[1:2:3]:80', /IPv6/],
    ['[::g]:80', /IPv6/],
    ['[::ffff:999.0.2.1]:80', /IPv4/],
    ['unix:run/app.sock', /absolute/],
    ['unix:/run/$app.sock', /may hold only/],
    ['unix:/run/app.sock;', /may hold only/],
    ['unix:/run/../etc/x', /\.\./],
    ['web {', /./],
    ['a b:80', /host name/],
    ['"h":80', /host name/],
  ])('refuses %j', (address, message) => {
    expect(upstreamAddressProblem(address)).toMatch(message);
  });
});
