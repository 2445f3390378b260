import { PathSyntaxError, formatPath, joinPath, parsePath } from './index';

describe('parsePath ↔ formatPath', () => {
  it.each([
    ['/', { elem: [] }],
    ['/interfaces', { elem: [{ name: 'interfaces' }] }],
    [
      '/interfaces/interface[name=Ethernet1/1]/state/counters',
      { elem: [{ name: 'interfaces' }, { name: 'interface', key: { name: 'Ethernet1/1' } }, { name: 'state' }, { name: 'counters' }] },
    ],
    ['openconfig:/interfaces', { origin: 'openconfig', elem: [{ name: 'interfaces' }] }],
    ['/openconfig-interfaces:interfaces/interface', { elem: [{ name: 'openconfig-interfaces:interfaces' }, { name: 'interface' }] }],
    ['/a/b[k1=v1][k2=v2]', { elem: [{ name: 'a' }, { name: 'b', key: { k1: 'v1', k2: 'v2' } }] }],
    ['/a[k=x\\]y]', { elem: [{ name: 'a', key: { k: 'x]y' } }] }],
    ['/a[k=x=y]', { elem: [{ name: 'a', key: { k: 'x=y' } }] }],
    ['/a[k\\=1=v]', { elem: [{ name: 'a', key: { 'k=1': 'v' } }] }],
    ['/a[k=back\\\\slash]', { elem: [{ name: 'a', key: { k: 'back\\slash' } }] }],
    ['/a[k=sl\\/ash]', { elem: [{ name: 'a', key: { k: 'sl/ash' } }] }],
    ['/a\\/b/c', { elem: [{ name: 'a/b' }, { name: 'c' }] }],
    [
      '/interfaces/interface[name=*]/state',
      { elem: [{ name: 'interfaces' }, { name: 'interface', key: { name: '*' } }, { name: 'state' }] },
    ],
    ['/*/...', { elem: [{ name: '*' }, { name: '...' }] }],
    ['/a[k=]', { elem: [{ name: 'a', key: { k: '' } }] }],
    ['interfaces/interface', { elem: [{ name: 'interfaces' }, { name: 'interface' }] }],
  ])('%s', (text, expected) => {
    expect(parsePath(text)).toEqual(expected);
  });

  it.each([
    ['/interfaces/interface[name=Ethernet1/1]/state/counters', '/interfaces/interface[name=Ethernet1/1]/state/counters'],
    ['openconfig:/interfaces', 'openconfig:/interfaces'],
    ['/a/b[z=1][a=2]', '/a/b[a=2][z=1]'],
    ['/a[k=x\\]y]', '/a[k=x\\]y]'],
    ['/a[k=x=y]', '/a[k=x=y]'],
    ['/a[k\\=1=v]', '/a[k\\=1=v]'],
    ['/a[k=sl\\/ash]', '/a[k=sl/ash]'],
    ['/a[k=back\\\\slash]', '/a[k=back\\\\slash]'],
    ['/a\\/b/c', '/a\\/b/c'],
    ['/', '/'],
  ])('%s formats back as %s (and that parses to the same Path)', (text, formatted) => {
    const path = parsePath(text);
    expect(formatPath(path)).toBe(formatted);
    expect(parsePath(formatted)).toEqual(path);
  });

  it.each([
    ['/a[k=v', 2, "an unterminated key (no ']')"],
    ['/a[kv]', 5, "a key without '='"],
    ['/a[=v]', 3, 'an empty key name'],
    ['/a//b', 3, 'an empty element'],
    ['/a/', 2, 'a trailing /'],
    ['/a]b', 2, "unexpected ']'"],
    ['/[k=v]', 1, 'a key without an element name'],
    ['/a[k=v]x', 7, "unexpected 'x' after a key"],
    ['/a\\', 2, 'a backslash at the end'],
  ])('refuses %s, pointing at position %i', (text, position, problem) => {
    let error: unknown;
    try {
      parsePath(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PathSyntaxError);
    expect(error).toMatchObject({ position, message: expect.stringContaining(problem) });
  });

  it('keeps a target given beside the string, and joins prefix and path', () => {
    const prefix = parsePath('openconfig:/interfaces/interface[name=Ethernet1]', { target: 'leaf-01' });
    const joined = joinPath(prefix, parsePath('state/counters/in-octets'));
    expect(joined).toEqual({
      origin: 'openconfig',
      target: 'leaf-01',
      elem: [
        { name: 'interfaces' },
        { name: 'interface', key: { name: 'Ethernet1' } },
        { name: 'state' },
        { name: 'counters' },
        { name: 'in-octets' },
      ],
    });
    expect(formatPath(parsePath('state/counters'), { relative: true })).toBe('state/counters');
  });

  it('reads the deprecated string elements of old targets', () => {
    expect(formatPath({ element: ['interfaces', 'interface[name=Et1]', 'state'] })).toBe('/interfaces/interface[name=Et1]/state');
  });
});
