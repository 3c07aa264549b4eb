import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools } from '../tool.js';
import { filesystemToolDeps, type FilesystemToolOptions } from '../tools/filesystem-deps.js';
import { FILESYSTEM_TOOLS } from '../tools/filesystem.js';

export type FilesystemServerOptions = FilesystemToolOptions;

export function createFilesystemServer(options: FilesystemServerOptions): McpServer {
  return registerTools(new McpServer({ name: 'autodev-filesystem', version: '0.1.0' }), FILESYSTEM_TOOLS, filesystemToolDeps(options));
}
