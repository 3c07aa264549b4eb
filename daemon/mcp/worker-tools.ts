import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RepoSnapshot, WorkRequest } from '../../proto/index.js';
import type { Logger } from '../../actors/log/logger.js';
import type { Memory } from '../../actors/memory/memory-store.js';
import { ThinkingStore } from '../../actors/mcp/thinking-store.js';
import type { ToolSession } from '../../actors/mcp/tool-phase.js';
import { Toolbox } from '../../actors/mcp/toolbox.js';
import { removeTree } from '../../actors/fs/safe-tree.js';
import type { Sandbox } from '../../actors/sandbox/sandbox.js';
import type { McpSettings } from './settings.js';

export interface WorkerToolsOptions {
  settings: McpSettings;
  log: Logger;
  /** Set where the worker runs beside the daemon: the job database (read-only) and search_repositories use it. */
  jobsDir?: string;
  memory?: Memory;
  sandbox?: () => Promise<Sandbox>;
  /**
   * Where each attempt's scratch copy is made (default: the system's temp
   * folder). The daemon passes a folder in its home: a root daemon's sandbox
   * hands a workspace to its unprivileged user only in trees it owns.
   */
  scratchDir?: string;
  gbnfMaxString?: number;
}

/**
 * A worker's tools for one attempt. Workers never touch the job's
 * repository, so the workspace is a scratch copy of the attempt's snapshot:
 * the model can read and try things there, and what it writes is thrown away
 * with the copy; only the files it returns are integrated by the Master.
 */
export function createWorkerTools(options: WorkerToolsOptions): (request: WorkRequest, snapshot: RepoSnapshot | null) => Promise<ToolSession | null> {
  const thinking = new ThinkingStore();
  return async (request, snapshot) => {
    const allow = request.tools ?? [];
    if (allow.length === 0) return null;
    const parent = options.scratchDir ?? tmpdir();
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const scratch = await mkdtemp(join(parent, `autodev-tools-${request.jobId}-`));
    const workspace = join(scratch, 'repo');
    await mkdir(workspace);
    for (const file of snapshot?.files ?? []) {
      await mkdir(dirname(join(workspace, file.path)), { recursive: true });
      await writeFile(join(workspace, file.path), file.content);
    }
    const { settings } = options;
    const memory = options.memory;
    try {
      const box = await Toolbox.open({
        context: {
          jobId: request.jobId,
          workspace,
          jobsDir: options.jobsDir ?? scratch,
          databaseFile: options.jobsDir ? join(options.jobsDir, request.jobId, 'database.sqlite') : join(scratch, 'database.sqlite'),
          // The job database changes only through integrated migrations, never from inside an attempt.
          databaseReadOnly: true,
          fetchPolicy: { allow: settings.fetch.allow, deny: settings.fetch.deny, allowPrivateAddresses: settings.fetch.allowPrivateAddresses },
          fetchLimits: { timeoutMs: settings.fetch.timeoutMs, maxBytes: settings.fetch.maxBytes, maxRedirects: settings.fetch.maxRedirects },
          gitRemotes: {},
          thinking,
          log: options.log,
          ...(memory ? { memory: () => memory.forJob(request.jobId) } : {}),
          ...(options.sandbox ? { sandbox: options.sandbox } : {}),
        },
        allow,
        caller: `${request.jobId}/${request.taskId}/${request.attempt}`,
        log: options.log,
        bounds: { maxStringLength: options.gbnfMaxString ?? 400, maxArrayItems: 8 },
      });
      return {
        functions: box.modelFunctions(),
        async close() {
          await box.close();
          // execute_code ran in this copy: removed by descriptor, never through a link it left.
          await removeTree(scratch);
        },
      };
    } catch (error) {
      await removeTree(scratch);
      throw error;
    }
  };
}
