import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../tool.js';
import { gitToolDeps, type GitToolOptions } from '../tools/git-deps.js';
import { GIT_TOOLS } from '../tools/git.js';

export type GitServerOptions = GitToolOptions;

export function createGitServer(options: GitServerOptions): McpServer {
  return registerTools(new McpServer({ name: 'autodev-git', version: '0.1.0' }), GIT_TOOLS, gitToolDeps(options));
}
