import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readDaemonFile } from '../daemon/daemon-file.js';
import { DEMO_MARKER } from '../scripts/demo-home.js';
import { startDaemonProcess, type DaemonProcess } from './helpers/daemon-process.js';
import { REPO_ROOT, TINY_MODEL, tempDir, waitUntil } from './helpers/env.js';
import { runCli } from './helpers/cli.js';

const DEMO = join(REPO_ROOT, 'dist', 'scripts', 'demo.js');

/** Runs the demo as `npm run demo` does, in its own process group so a Ctrl-C can be sent the way a terminal sends it. */
function runDemo(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** The demo never touches a home, config or daemon that is not its own. */
describe('the demo runs in a home of its own', () => {
  const dirs: Array<{ path: string; cleanup: () => void }> = [];
  const dir = (prefix: string) => {
    const made = tempDir(prefix);
    dirs.push(made);
    return made.path;
  };
  let userDaemon: DaemonProcess | null = null;
  afterAll(async () => {
    await userDaemon?.stop();
    for (const d of dirs) {
      await runCli(['daemon', 'stop'], { AUTODEV_HOME: d.path });
      d.cleanup();
    }
  });

  it("with AUTODEV_HOME set to a user's home, leaves its config and daemon alone, replays for real, and stops only its own daemon on Ctrl-C", async () => {
    const user = dir('demo-user');
    const userConfig = '{ "gpu": "cpu", "maxRetries": 3 }\n';
    writeFileSync(join(user, 'config.json'), userConfig);
    userDaemon = await startDaemonProcess(user, { AUTODEV_MODEL: TINY_MODEL });
    const demoHome = join(dir('demo-own'), 'home');

    // The user's shell names models: a replay must not hand them to its daemon.
    const demo = runDemo(['--replay', '--home', demoHome], { AUTODEV_HOME: user, AUTODEV_MODEL: TINY_MODEL, AUTODEV_MASTER_MODEL: TINY_MODEL, AUTODEV_WORKER_MODEL: TINY_MODEL });
    await waitUntil(() => demo.stdout().includes('following it live') || demo.child.exitCode !== null, 60_000, 'the demo to submit its job');
    expect(demo.stderr()).toBe('');
    const ownPid = (await readDaemonFile(demoHome))?.pid;
    expect(ownPid).toBeDefined();
    process.kill(-(demo.child.pid as number), 'SIGINT');
    expect(await demo.exited).toBe(130);

    const out = demo.stdout();
    expect(out).toContain(`AUTODEV_HOME (${user}) is not used`);
    // The label is printed only after the daemon said both roles answer from the recording.
    expect(out).toContain('model: RECORDED ANSWERS');
    expect(JSON.parse(readFileSync(join(demoHome, 'config.json'), 'utf8'))).toMatchObject({ models: { master: { provider: 'replay' }, worker: { provider: 'replay' } } });
    // Its own daemon is stopped; the user's runs on, with its config, and no demo job reached it.
    expect(isProcessAlive(ownPid as number)).toBe(false);
    expect(existsSync(join(demoHome, 'daemon.json'))).toBe(false);
    expect(readFileSync(join(user, 'config.json'), 'utf8')).toBe(userConfig);
    expect(isProcessAlive(userDaemon.pid)).toBe(true);
    expect((await readDaemonFile(user))?.pid).toBe(userDaemon.pid);
    expect(await (await userDaemon.api('/jobs')).json()).toMatchObject({ jobs: [] });
  });

  it('leaves a daemon it did not start alone, and says how to stop it', async () => {
    const demoHome = dir('demo-busy');
    writeFileSync(join(demoHome, DEMO_MARKER), '');
    const before = '{"gpu":"cpu"}';
    writeFileSync(join(demoHome, 'config.json'), before);
    expect((await runCli(['daemon', 'start'], { AUTODEV_HOME: demoHome })).code).toBe(0);
    const pid = (await readDaemonFile(demoHome))?.pid as number;

    const demo = runDemo(['--replay', '--home', demoHome], {});
    expect(await demo.exited).toBe(1);
    expect(demo.stderr()).toContain(`a daemon the demo did not start (pid ${pid}) already runs for the demo's home ${demoHome}; the demo leaves it alone`);
    expect(demo.stderr()).toContain(`autodev daemon stop --home ${demoHome}`);
    expect(isProcessAlive(pid)).toBe(true);
    expect(readFileSync(join(demoHome, 'config.json'), 'utf8')).toBe(before);
  });

  it('refuses a --home that it did not make, writing nothing there', async () => {
    const user = dir('demo-notmine');
    mkdirSync(join(user, 'jobs'));
    writeFileSync(join(user, 'config.json'), '{}');
    const demo = runDemo(['--replay', '--home', user], {});
    expect(await demo.exited).toBe(2);
    expect(demo.stderr()).toContain(`${user} is not empty and was not made by the demo`);
    expect(readFileSync(join(user, 'config.json'), 'utf8')).toBe('{}');
    expect(existsSync(join(user, DEMO_MARKER))).toBe(false);
    expect(existsSync(join(user, 'daemon.json'))).toBe(false);
  });
});
