import { JobId, McpServerName } from '../../proto/index.js';
import { UnknownJobError, type McpHost } from './host.js';

/**
 * Streamable HTTP for one request, stateless: a fresh server and transport
 * per POST, JSON answers instead of SSE. State that must persist between
 * calls (plans, triggers) lives in the host, not in a session.
 */
export async function handleMcpHttp(host: McpHost, name: string, jobId: string | undefined, request: Request): Promise<Response> {
  const server = McpServerName.safeParse(name);
  if (!server.success) return problem(404, 'not_found', `no MCP server "${name}"; the servers are ${McpServerName.options.join(', ')}`);
  const job = JobId.safeParse(jobId);
  if (!job.success) return problem(400, 'bad_request', 'name the job with ?job=JOB (a lowercase job id); its workspace is what the tools work on');
  // The SDK's server transport: imported with the first MCP request, not with the daemon.
  const { WebStandardStreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js');
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await host.connect(server.data, job.data, transport);
  } catch (error) {
    if (error instanceof UnknownJobError) return problem(404, 'not_found', error.message);
    throw error;
  }
  try {
    return await transport.handleRequest(request);
  } finally {
    // enableJsonResponse: the answer is complete once handleRequest resolves.
    await transport.close();
  }
}

function problem(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });
}
