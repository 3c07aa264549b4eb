import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../daemon/daemon-file.js';
import { DaemonInfo } from '../proto/index.js';
import { TINY_CONFIG, TINY_MODEL, tempDir, writeConfig } from './helpers/env.js';
import { runCli } from './helpers/cli.js';

const homes: Array<{ path: string; cleanup: () => void }> = [];
const newHome = (prefix: string, config?: Record<string, unknown>) => {
  const home = tempDir(prefix);
  homes.push(home);
  if (config) writeConfig(home.path, config);
  return home.path;
};
const daemonPid = (home: string) => DaemonInfo.parse(JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'))).pid;
const count = (text: string, part: string) => text.split(part).length - 1;

/** What the daemon does for the user, and says, through real CLI processes. */
describe('the CLI and its daemon: one rule, and no surprises', () => {
  afterAll(async () => {
    for (const home of homes) {
      await runCli(['daemon', 'stop'], { AUTODEV_HOME: home.path });
      home.cleanup();
    }
  });

  it('every command that needs the daemon starts it when none runs; daemon status and stop never do', async () => {
    const home = newHome('rule', TINY_CONFIG);
    const env = { AUTODEV_HOME: home, AUTODEV_MODEL: TINY_MODEL };
    expect((await runCli(['daemon', 'status'], env)).code).toBe(3);
    expect((await runCli(['daemon', 'stop'], env)).stdout).toContain('no daemon was running');
    expect(existsSync(join(home, 'daemon.json'))).toBe(false);

    // Reading commands start it like submit does: status, watch, result, cancel.
    const status = await runCli(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({ jobs: [], corrupt: [] });
    expect(isProcessAlive(daemonPid(home))).toBe(true);
    for (const args of [['watch', 'job-none'], ['result', 'job-none', '--out', join(home, 'out')], ['cancel', 'job-none']]) {
      expect((await runCli(['daemon', 'stop'], env)).code).toBe(0);
      const res = await runCli(args, env);
      expect(res.stderr, args[0]).toContain('starting autodevd in the background');
      // The daemon answered: the job does not exist (a usage error), not "no daemon" (3).
      expect(res.code, `${args[0]}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toContain('no job job-none');
    }
    const help = await runCli(['--help'], env);
    expect(help.stdout).toContain('A command that needs autodevd starts it in the background when none runs; only daemon status and daemon stop never do.');
  });

  it("prints why the daemon could not start, from its log, once; doctor exits 1 and names the log once", async () => {
    const home = newHome('badconfig', { maxParallelTasks: '2' });
    const env = { AUTODEV_HOME: home };
    const submit = await runCli(['submit', 'a todo API'], env);
    expect(submit.code).toBe(3);
    expect(submit.stderr).toContain('maxParallelTasks: Invalid input: expected number, received string');
    expect(count(submit.stderr, 'daemon.log')).toBe(1);

    const doctor = await runCli(['doctor', '--json'], env);
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    const daemon = report.checks.find((c) => c.name === 'daemon');
    expect(daemon?.ok).toBe(false);
    expect(daemon?.detail).toContain('maxParallelTasks: Invalid input: expected number, received string');
    expect(count(daemon?.detail ?? '', 'daemon.log')).toBe(1);
    // The reason is this start's: a second failed start does not repeat the first one's lines.
    expect(count(doctor.stdout, 'maxParallelTasks')).toBe(1);
  });

  it('doctor exits 1 when no model is configured, saying how to configure one', async () => {
    const home = newHome('nomodel', { gpu: 'cpu' });
    const env: Record<string, string> = { AUTODEV_HOME: home, AUTODEV_MODEL: '', AUTODEV_MASTER_MODEL: '', AUTODEV_WORKER_MODEL: '' };
    const doctor = await runCli(['doctor', '--json'], env);
    expect(doctor.code, doctor.stderr).toBe(1);
    const model = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; ok: boolean; required: boolean; detail: string }> }).checks.find((c) => c.name === 'model');
    expect(model).toMatchObject({ ok: false, required: true });
    expect(model?.detail).toContain('AUTODEV_MODEL');
    expect(model?.detail).toContain('autodev models pull worker');
  });

  it('refuses --model when a daemon already runs with another model, instead of ignoring it', async () => {
    const home = newHome('model', TINY_CONFIG);
    const env = { AUTODEV_HOME: home, AUTODEV_MODEL: TINY_MODEL };
    expect((await runCli(['daemon', 'start'], env)).code).toBe(0);
    const pid = daemonPid(home);
    const other = join(home, 'other.gguf');

    const submit = await runCli(['submit', 'a todo API', '--model', other], env);
    expect(submit.code).toBe(2);
    expect(submit.stderr).toContain(`autodevd already runs for ${home} (pid ${pid}) with model ${TINY_MODEL}`);
    expect(submit.stderr).toContain(`${other} would be ignored`);
    expect(submit.stderr).toContain('autodev daemon stop, then run this command again');
    expect(JSON.parse((await runCli(['status', '--json'], env)).stdout)).toMatchObject({ jobs: [] });

    const start = await runCli(['daemon', 'start', '--model', other, '--json'], env);
    expect(start.code).toBe(2);
    expect(JSON.parse(start.stdout)).toMatchObject({ error: { code: 'bad_request', message: expect.stringContaining('would be ignored') } });
    // The model it runs with is no conflict.
    const same = await runCli(['daemon', 'start', '--model', TINY_MODEL], env);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain(`already running: pid ${pid}`);
  });
});
