import { Worker } from 'node:worker_threads';

/**
 * The child's own guard against outliving its parent. The parent kills the
 * child when a statement runs too long, but if the parent itself dies while
 * a statement runs, the child's main thread is inside SQLite and never sees
 * 'disconnect'. A worker thread is not blocked by that: it polls the parent
 * pid and kills the whole process once the parent is gone.
 */
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.parentPid) process.kill(workerData.selfPid, 'SIGKILL');
}, workerData.pollMs);
`;

export function startParentWatchdog(pollMs = 500): void {
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parentPid: process.ppid, selfPid: process.pid, pollMs } });
  // The watchdog never keeps the child alive by itself.
  worker.unref();
}
