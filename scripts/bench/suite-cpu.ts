/**
 * Where a test run's CPU goes, by kind of process: runs a command (default
 * `npx vitest run`), samples every process's CPU time from /proc twice a
 * second meanwhile, and prints the CPU-seconds each kind used beside the
 * machine's busy time. The suite is CPU-bound on these 2-core machines, so
 * this, not wall time, says what to cut (issue 21 found the apps' own `tsc`
 * in the sandbox this way). Processes that live under half a second are
 * missed; the gap between "busy" and "attributed" says how much that is.
 * Linux only. Run by hand, from dist/:
 *   node dist/scripts/bench/suite-cpu.js [-- COMMAND ARGS...]
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const command = process.argv.includes('--') ? process.argv.slice(process.argv.indexOf('--') + 1) : ['npx', 'vitest', 'run'];
const TICKS_PER_SECOND = 100;

/** The machine's busy and total CPU ticks, all cores together. */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** A short name for what a process is, from its command line: the rows of the report. */
function kindOf(comm: string, cmdline: string): string {
  if (comm !== 'node' && !comm.startsWith('node')) return comm;
  if (/vitest/.test(cmdline)) return 'node: vitest (test files, in-process daemons)';
  if (/bin\/autodevd/.test(cmdline)) return 'node: autodevd processes';
  if (/bin\/autodev\.js/.test(cmdline)) return 'node: autodev CLI processes';
  if (/\btsc\b/.test(cmdline)) return /\/workspace\//.test(cmdline) || !cmdline.includes(process.cwd()) ? "node: apps' tsc (sandbox)" : 'node: tsc (host)';
  if (/--test\b/.test(cmdline)) return "node: apps' tests";
  if (/\bnpm\b/.test(cmdline)) return 'node: npm';
  return 'node: other';
}

interface Seen {
  kind: string;
  first: number;
  last: number;
}
const processes = new Map<string, Seen>();

function sample(): void {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      // pid and start time: a pid the kernel reuses is another process.
      const key = `${pid}:${fields[19]}`;
      const known = processes.get(key);
      if (known) known.last = ticks;
      else {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        processes.set(key, { kind: kindOf(stat.slice(stat.indexOf('(') + 1, close), cmdline), first: ticks, last: ticks });
      }
    } catch {
      // The process ended between the listing and the read.
    }
  }
}

const before = machineTicks();
const started = performance.now();
sample();
const timer = setInterval(sample, 500);
const child = spawn(command[0] ?? 'npx', command.slice(1), { stdio: 'inherit' });
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
clearInterval(timer);
const after = machineTicks();

const byKind = new Map<string, number>();
for (const seen of processes.values()) byKind.set(seen.kind, (byKind.get(seen.kind) ?? 0) + seen.last - seen.first);
const seconds = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND) * 10) / 10;
const attributed = [...byKind.values()].reduce((a, b) => a + b, 0);
console.log(`\n${command.join(' ')}: exit ${code}, ${Math.round((performance.now() - started) / 1000)} s wall`);
console.log(`machine busy ${seconds(after.busy - before.busy)} of ${seconds(after.total - before.total)} CPU-s; attributed to sampled processes ${seconds(attributed)}`);
for (const [kind, ticks] of [...byKind].filter(([, t]) => t >= 10).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${String(seconds(ticks)).padStart(8)} s  ${kind}`);
process.exitCode = code ?? 1;
