import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import {
  CancelJobBody,
  JobId,
  ProtocolError,
  SubmitJobBody,
  isTerminalJobEvent,
  isTerminalJobStatus,
  toJobView,
  toWireError,
  type CorruptJobView,
  type HealthResponse,
  type JobEvent,
  type JobId as JobIdType,
  type JobRecord,
} from '../../proto/index.js';
import { requireTokenOrSession } from './web-auth.js';
import { securityHeaders } from './security-headers.js';
import { webPageRoutes, webSessionRoutes, type WebDeps } from './web-routes.js';
import { limitBody, requireLoopbackHost } from './guards.js';
import { httpStatusFor, type ErrorBody } from './errors.js';
import { jsonBody, pathParams } from './validate.js';
import { createOpenAiRoutes, type ServedModel } from './openai-routes.js';
import { resultRoutes, type ResultService } from './result-routes.js';
import { acceptanceRoutes, type AcceptanceService } from './acceptance-routes.js';
import { modelsRoutes, type ModelService } from './models-routes.js';
import { mcpCatalogRoutes, type McpCatalogService } from './mcp-catalog-routes.js';
import { sandboxRoutes, type SandboxRunService } from './sandbox-routes.js';
import { doctorRoutes, type DoctorService } from './doctor-routes.js';
import { natsCredentialsRoutes } from './nats-credentials-routes.js';
import { jobDetailRoutes } from './job-detail-routes.js';
import type { NatsCredentialService } from '../nats-users.js';

/** The slice of the job manager the API needs. */
export interface JobService {
  submit(body: SubmitJobBody): Promise<JobRecord>;
  get(id: JobIdType): Promise<JobRecord | null>;
  list(): Promise<JobRecord[]>;
  cancel(id: JobIdType, reason: string): Promise<JobRecord>;
}

/** Jobs whose record could not be read; listed, never silently dropped (daemon/file-job-store.ts). */
export interface CorruptJobService {
  listCorrupt(): Promise<CorruptJobView[]>;
  getCorrupt(id: JobIdType): Promise<CorruptJobView | null>;
}

export interface AppDeps {
  token: string;
  /** The port the API listens on: requests must name a loopback host with it (see guards.ts). */
  listenPort: () => number;
  maxBodyBytes: number;
  jobs: JobService;
  corruptJobs?: CorruptJobService;
  /** A job's events from its first, then live ones, until `signal` aborts. */
  jobEvents: (jobId: JobIdType, signal: AbortSignal) => AsyncIterable<JobEvent>;
  health: () => HealthResponse;
  /** Models shared at /v1 (OpenAI-compatible), by role name. */
  openai?: readonly ServedModel[];
  /** `GET /jobs/:id/result` for `autodev result` (daemon/api/result-routes.ts). */
  results?: ResultService;
  /** `POST /acceptance` for `autodev accept` (daemon/api/acceptance-routes.ts). */
  acceptance?: AcceptanceService;
  /** `/models` for `autodev models list|pull|rm` (daemon/api/models-routes.ts). */
  modelFiles?: ModelService;
  /** `GET /mcp` for `autodev mcp list` (daemon/api/mcp-catalog-routes.ts). */
  mcpCatalog?: McpCatalogService;
  /** `POST /sandbox/run` for `autodev sandbox run` (daemon/api/sandbox-routes.ts). */
  sandboxRuns?: SandboxRunService;
  /** `GET /doctor` for `autodev doctor` (daemon/api/doctor-routes.ts). */
  doctor?: DoctorService;
  /** `GET /nats/credentials/:role` for `autodev workers|events credentials` (daemon/api/nats-credentials-routes.ts). */
  natsCredentials?: NatsCredentialService;
  /** MCP servers over Streamable HTTP at /mcp/NAME?job=JOB (daemon/mcp/http-route.ts). */
  mcp?: (name: string, jobId: string | undefined, request: Request) => Promise<Response>;
  /** The web view at `/` and its login links (daemon/api/web-routes.ts); absent, the API is the CLI's only. */
  web?: WebDeps;
  /** `<home>/jobs`, where each job's acceptance round reports are kept (daemon/api/job-detail-routes.ts). */
  jobsDir?: string;
}

const JobParams = z.object({ id: JobId });

/** A corrupt job is a 409 that says what broke and how to recover; only a job that never existed is a 404. */
async function missingJob(deps: AppDeps, id: JobIdType): Promise<ProtocolError> {
  const corrupt = await deps.corruptJobs?.getCorrupt(id);
  if (!corrupt) return new ProtocolError('not_found', `no job ${id}`);
  return new ProtocolError('conflict', `job ${id} is corrupt: ${corrupt.reason}; ${corrupt.recovery}`, { ...corrupt });
}

export function createApp(deps: AppDeps) {
  const app = new Hono()
    .use('*', requireLoopbackHost(deps.listenPort))
    .use('*', securityHeaders())
    .route('/', webPageRoutes(deps.web, deps.listenPort))
    .use('*', requireTokenOrSession(deps.token, deps.web?.sessions, deps.listenPort))
    .route('/', webSessionRoutes(deps.web, deps.listenPort))
    .use('*', limitBody(deps.maxBodyBytes))
    .get('/health', (c) => c.json(deps.health()))
    .route('/v1', createOpenAiRoutes(deps.openai ?? []))
    .route('/', resultRoutes(deps.results))
    .route('/', acceptanceRoutes(deps.acceptance))
    .route('/', modelsRoutes(deps.modelFiles))
    .route('/', mcpCatalogRoutes(deps.mcpCatalog))
    .route('/', sandboxRoutes(deps.sandboxRuns))
    .route('/', doctorRoutes(deps.doctor))
    .route('/', natsCredentialsRoutes(deps.natsCredentials))
    .route('/', jobDetailRoutes({ get: (id) => deps.jobs.get(id), ...(deps.jobsDir ? { jobsDir: deps.jobsDir } : {}) }))
    .all('/mcp/:name', (c) => {
      if (!deps.mcp) throw new ProtocolError('not_found', 'this daemon serves no MCP servers');
      return deps.mcp(c.req.param('name'), c.req.query('job'), c.req.raw);
    })
    .post('/jobs', jsonBody(SubmitJobBody), async (c) => {
      const job = await deps.jobs.submit(c.req.valid('json'));
      return c.json(toJobView(job), 201);
    })
    .get('/jobs', async (c) => {
      const jobs = await deps.jobs.list();
      const corrupt = (await deps.corruptJobs?.listCorrupt()) ?? [];
      return c.json({ jobs: jobs.map((job) => toJobView(job)), corrupt });
    })
    .get('/jobs/:id', pathParams(JobParams), async (c) => {
      const { id } = c.req.valid('param');
      const job = await deps.jobs.get(id);
      if (!job) throw await missingJob(deps, id);
      return c.json(toJobView(job));
    })
    .get('/jobs/:id/events', pathParams(JobParams), async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deps.jobs.get(id))) throw new ProtocolError('not_found', `no job ${id}`);
      return streamSSE(c, async (stream) => {
        const controller = new AbortController();
        stream.onAbort(() => controller.abort());
        let seq = 0;
        for await (const event of deps.jobEvents(id, controller.signal)) {
          await stream.writeSSE({ id: String(++seq), event: event.type, data: JSON.stringify(event) });
          // An event can be forged by whoever may publish it; the stream ends only when the record agrees.
          if (isTerminalJobEvent(event) && isTerminalJobStatus((await deps.jobs.get(id))?.status ?? 'failed')) break;
        }
        controller.abort();
      });
    })
    .post('/jobs/:id/cancel', pathParams(JobParams), jsonBody(CancelJobBody), async (c) => {
      const { id } = c.req.valid('param');
      const job = await deps.jobs.cancel(id, c.req.valid('json').reason ?? 'cancelled by user');
      return c.json(toJobView(job));
    });

  app.onError((error, c) => {
    // Hono's own validators throw HTTPException, e.g. for a body that is not JSON.
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ error: { code: 'bad_request', message: error.message || 'bad request' } } satisfies ErrorBody, 400);
    }
    const wire = toWireError(error);
    const body: ErrorBody = { error: wire };
    return c.json(body, httpStatusFor(wire.code));
  });
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } } satisfies ErrorBody, 404));
  return app;
}

export type AppType = ReturnType<typeof createApp>;
