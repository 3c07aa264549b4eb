import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeHostRoot, sandboxPasswd } from './host-root.js';

const root = mkdtempSync(join(tmpdir(), 'autodev-hostroot-'));

describe('describeHostRoot', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('recreates merged-/usr links, binds real folders, and shares only the listed /etc entries', () => {
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    symlinkSync('usr/bin', join(root, 'bin'));
    mkdirSync(join(root, 'lib64'));
    mkdirSync(join(root, 'etc/ssl'), { recursive: true });
    writeFileSync(join(root, 'etc/shadow'), 'secret');
    writeFileSync(join(root, 'etc/ld.so.cache'), '');
    const host = describeHostRoot(`${root}/`);
    expect(host.readOnlyDirs).toEqual(['/usr', '/lib64']);
    expect(host.links).toEqual([{ path: '/bin', target: 'usr/bin' }]);
    expect(host.etc).toEqual(['/etc/ssl', '/etc/ld.so.cache']);
  });

  it('names only the sandbox users in passwd', () => {
    const { passwd, group } = sandboxPasswd(1000, 1000);
    expect(passwd.split('\n').filter(Boolean).map((l) => l.split(':')[2])).toEqual(['0', '65534', '1000']);
    expect(group).toContain('sandbox:x:1000:');
  });
});
