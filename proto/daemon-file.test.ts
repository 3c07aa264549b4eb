import { describe, expect, it } from 'vitest';
import { parseDaemonFile } from './daemon-file.js';

describe('parseDaemonFile', () => {
  it('reads a DaemonInfo, and anything else as no daemon', () => {
    const info = { pid: 42, apiUrl: 'http://127.0.0.1:4000', natsUrl: 'nats://127.0.0.1:4222', tokenFile: '/h/token' };
    expect(parseDaemonFile(JSON.stringify(info))).toEqual(info);
    expect(parseDaemonFile('{ half')).toBeNull();
    expect(parseDaemonFile(JSON.stringify({ pid: 'x' }))).toBeNull();
  });
});
