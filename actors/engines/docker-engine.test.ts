import { describe, expect, it } from 'vitest';
import { dockerdArgs, engineSocket, execRoot } from './docker-engine.js';

describe('the daemon-owned dockerd', () => {
  it('keeps everything in its folder and leaves the firewall and bridges alone', () => {
    const args = dockerdArgs('/home/u/.autodev/sandbox/engine');
    expect(args).toContain('--data-root=/home/u/.autodev/sandbox/engine/data');
    expect(args).toContain('--exec-root=/home/u/.autodev/sandbox/engine/exec');
    expect(args).toContain('--pidfile=/home/u/.autodev/sandbox/engine/dockerd.pid');
    expect(args).toContain(`--host=unix://${engineSocket('/home/u/.autodev/sandbox/engine')}`);
    expect(args).toEqual(expect.arrayContaining(['--iptables=false', '--ip6tables=false', '--bridge=none']));
  });

  it('moves the exec root to a short, stable path when containerd socket paths would be too long', () => {
    const deep = `/home/${'x'.repeat(80)}/.autodev/sandbox/engine`;
    const short = execRoot(deep);
    expect(short).toMatch(/^\/tmp\/autodev-dockerd-[0-9a-f]{12}$/);
    expect(execRoot(deep)).toBe(short);
    expect(execRoot('/root/.autodev/sandbox/engine')).toBe('/root/.autodev/sandbox/engine/exec');
  });
});
