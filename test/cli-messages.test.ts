import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, TINY_MODEL, tempDir, writeConfig } from './helpers/env.js';
import { runCli } from './helpers/cli.js';
import { DaemonInfo } from '../proto/index.js';

/** What a user is told when something is wrong: what, and what to do next, through the real CLI process. */
describe('the CLI says what is wrong and what to do', () => {
  const home = tempDir('cli-messages');
  const env = { AUTODEV_HOME: home.path, AUTODEV_MODEL: TINY_MODEL };
  beforeAll(() => writeConfig(home.path, TINY_CONFIG));
  afterAll(async () => {
    await runCli(['daemon', 'stop'], env);
    home.cleanup();
  });

  it('tells an empty prompt from a missing or an unquoted one', async () => {
    const empty = await runCli(['submit', ''], env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the PROMPT is empty; say what to build');
    expect(empty.stderr).not.toContain('quote it');
    expect((await runCli(['submit', '   '], env)).stderr).toContain('the PROMPT is empty');
    expect((await runCli(['submit'], env)).stderr).toContain('submit needs a PROMPT');
    const split = await runCli(['submit', 'a', 'todo', 'api'], env);
    expect(split.code).toBe(2);
    expect(split.stderr).toContain('got 3; put the whole prompt in quotes');
  });

  it('names a mistyped flag with the closest known one, and answers --json with a JSON error', async () => {
    const typo = await runCli(['submit', 'x', '--jsn'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^autodev submit: unknown option --jsn; did you mean --json\? see: autodev submit --help/);
    expect(typo.stderr).not.toContain("'--jsn'");
    expect(typo.stdout).toBe('');

    const asJson = await runCli(['submit', 'x', '--json', '--wiat'], env);
    expect(asJson.code).toBe(2);
    const { error } = JSON.parse(asJson.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain('unknown option --wiat; did you mean --wait?');

    expect((await runCli(['submit', 'x', '--spec'], env)).stderr).toContain('--spec needs a value, as in --spec VALUE');
    expect((await runCli(['status', '--json=yes'], env)).stderr).toContain('--json is a switch and takes no value');
    expect((await runCli(['status', '-x'], env)).stderr).toContain('unknown option -x; see: autodev status --help');
    const command = await runCli(['stauts', '--json'], env);
    expect(command.code).toBe(2);
    expect(JSON.parse(command.stdout)).toMatchObject({ error: { code: 'bad_request', message: expect.stringContaining('did you mean "status"?') } });
  });

  it('after a kill -9 (daemon.json left behind), advises starting the daemon, never checking it', async () => {
    const stale = tempDir('cli-stale');
    try {
      // A pid that has certainly exited: a child that ran and was reaped.
      const dead = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid;
      writeFileSync(join(stale.path, 'token'), 'x\n');
      writeFileSync(join(stale.path, 'daemon.json'), JSON.stringify({ pid: dead, apiUrl: 'http://127.0.0.1:9/', natsUrl: 'nats://127.0.0.1:9', tokenFile: join(stale.path, 'token') }));
      const staleEnv = { AUTODEV_HOME: stale.path };
      const status = await runCli(['daemon', 'status'], staleEnv);
      expect(status.code).toBe(3);
      expect(status.stdout).toContain(`the daemon (pid ${dead}) is no longer running`);
      expect(status.stdout).toContain('start it again with: autodev daemon start');
      expect(status.stdout + status.stderr).not.toContain('autodev daemon status');
      expect(JSON.parse((await runCli(['daemon', 'status', '--json'], staleEnv)).stdout)).toEqual({ running: false, exitedPid: dead });
      // A command that needs the daemon starts a fresh one over the stale daemon.json, as it would with none.
      const jobs = await runCli(['status'], staleEnv);
      expect(jobs.code, jobs.stderr).toBe(0);
      expect(jobs.stderr).toContain('starting autodevd in the background');
      expect(jobs.stderr).not.toContain('autodev daemon status');
    } finally {
      await runCli(['daemon', 'stop'], { AUTODEV_HOME: stale.path });
      stale.cleanup();
    }
  });

  it('with a daemon.json whose process lives but does not answer, status starts a daemon that does and reads from it', async () => {
    const silent = tempDir('cli-silent');
    const recordedPid = () => DaemonInfo.parse(JSON.parse(readFileSync(join(silent.path, 'daemon.json'), 'utf8'))).pid;
    try {
      // This test's own process: alive, and listening on no port of daemon.json's.
      writeFileSync(join(silent.path, 'token'), 'x\n');
      writeFileSync(join(silent.path, 'daemon.json'), JSON.stringify({ pid: process.pid, apiUrl: 'http://127.0.0.1:9/', natsUrl: 'nats://127.0.0.1:9', tokenFile: join(silent.path, 'token') }));
      const jobs = await runCli(['status'], { AUTODEV_HOME: silent.path });
      expect(jobs.code, jobs.stderr).toBe(0);
      expect(jobs.stderr).toContain('starting autodevd in the background');
      expect(jobs.stdout).toContain('no jobs yet');
      expect(recordedPid()).not.toBe(process.pid);
    } finally {
      // `daemon stop` signals daemon.json's pid: never while that is still this test's own.
      if (recordedPid() !== process.pid) await runCli(['daemon', 'stop'], { AUTODEV_HOME: silent.path });
      silent.cleanup();
    }
  });

  it('models pull with no network names the host, exits 3 (unreachable) not 2 (usage), and says how to go on offline', async () => {
    // A closed loopback port stands for "offline": the connection is refused at once.
    const res = await runCli(['models', 'pull', 'worker', '--hf-endpoint', 'http://127.0.0.1:9/'], env);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain('could not reach 127.0.0.1:9 to download the model');
    expect(res.stderr).toContain(`Offline, copy a .gguf file into ${join(home.path, 'models')}`);
    expect(res.stderr).not.toContain('TypeError');
    const asJson = await runCli(['models', 'pull', 'worker', '--hf-endpoint', 'http://127.0.0.1:9/', '--json'], env);
    expect(asJson.code).toBe(3);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ error: { code: 'unavailable', data: { host: '127.0.0.1:9' } } });
  });
});
