import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const INFO = { $ref: '#/components/schemas/FileInfo' };
const FILE_ID = [{ name: 'fileId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }];

/** An upload API: a multipart POST creates a file record, read, downloaded and deleted by its id. */
const SPEC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Uploads', version: '1' },
  paths: {
    '/files': {
      get: { operationId: 'listFiles', responses: { '200': { description: 'ok', content: json({ type: 'object', properties: { files: { type: 'array', items: INFO } } }) } } },
      post: {
        operationId: 'uploadFile',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, description: { type: 'string', example: 'a note' }, folder: { type: 'string', default: 'inbox' } } },
            },
          },
        },
        responses: { '201': { description: 'stored', content: json(INFO) }, '400': { description: 'no file' } },
      },
    },
    '/files/{fileId}': {
      parameters: FILE_ID,
      get: { operationId: 'getFileInfo', responses: { '200': { description: 'ok', content: json(INFO) }, '404': { description: 'no' } } },
      delete: { operationId: 'deleteFile', responses: { '204': { description: 'gone' } } },
    },
    '/files/{fileId}/content': {
      parameters: FILE_ID,
      get: { operationId: 'downloadFile', responses: { '200': { description: 'bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, '404': { description: 'no' } } },
    },
  },
  components: {
    schemas: {
      FileInfo: {
        type: 'object',
        required: ['id', 'filename', 'size'],
        properties: { id: { type: 'string', format: 'uuid' }, filename: { type: 'string' }, file: { type: 'string' }, size: { type: 'integer' }, description: { type: 'string' }, folder: { type: 'string' } },
      },
    },
  },
});

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};
const isUpload = (step: AcceptanceStep | undefined) => step?.request.method === 'post' && step.request.body?.kind === 'form' && step.capture.some((c) => c.pointer === '/id');

describe('a multipart create is a resource create', () => {
  it('reads a created file back by its captured id, comparing the text fields sent and never the file', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const [upload, read] = byId(checks, 'uploadFile.create_read').steps;
    expect(isUpload(upload)).toBe(true);
    const body = upload?.request.body;
    expect(body?.kind === 'form' && body.parts.map((p) => `${p.type} ${p.name}`)).toEqual(['file file', 'field description', 'field folder']);
    // The response documents a `file` property too: the bytes sent are still not what it holds.
    expect(read?.expect.assertions).toEqual([{ type: 'fields_equal', of: { var: 'file1', idField: 'id' }, fields: { description: 'a note', folder: 'inbox' } }]);
    expect(read?.request.pathParams).toEqual({ fileId: { var: 'file1' } });
  });

  it('deletes a created file and expects its read to answer 404', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    const [upload, remove, read] = byId(checks, 'uploadFile.delete').steps;
    expect(isUpload(upload)).toBe(true);
    expect(remove?.request.method).toBe('delete');
    expect(read?.expect.statuses).toEqual([404]);
  });

  it('gives every call on one file a file uploaded for it, never an id from a list another check may have emptied', async () => {
    const { checks } = await deriveSuiteFromText(SPEC);
    for (const id of ['getFileInfo.operation', 'downloadFile.operation', 'deleteFile.operation']) {
      const check = byId(checks, id);
      expect(check.unverifiable).toBeNull();
      expect(isUpload(check.steps[0]), id).toBe(true);
      expect(check.steps.some((s) => s.operationId === 'listFiles'), id).toBe(false);
    }
    expect(byId(checks, 'getFileInfo.unknown_id').steps[0]?.expect.statuses).toEqual([404]);
  });
});
