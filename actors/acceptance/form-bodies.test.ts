import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, FormPart } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';
import { encodeForm } from './form-encoding.js';
import { resolveRequest } from './http-executor.js';
import { sampleFile } from './sample-files.js';

const SPEC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Uploads', version: '1' },
  paths: {
    '/photos': {
      post: {
        operationId: 'uploadPhoto',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file', 'caption'],
                properties: {
                  file: { type: 'string', format: 'binary' },
                  caption: { type: 'string', minLength: 3 },
                  tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
                  meta: { type: 'object', properties: { iso: { type: 'integer' } } },
                },
              },
              encoding: { file: { contentType: 'image/png, image/jpeg' } },
            },
          },
        },
        responses: { '201': { description: 'ok' }, '400': { description: 'bad' } },
      },
    },
    '/notes': {
      post: {
        operationId: 'addNote',
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', example: 'hello world' }, pinned: { type: 'boolean' } } } } },
        },
        responses: { '201': { description: 'ok' } },
      },
    },
    '/broken': {
      post: {
        operationId: 'broken',
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^(?=.*[A-Z])[a-z]+$' } } } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
});

const byId = (checks: AcceptanceCheck[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}; have ${checks.map((c) => c.id).join(', ')}`);
  return check;
};

/** Parses the bytes back with a real multipart parser (undici's, behind Response.formData). */
async function parsed(parts: FormPart[], encoding: 'multipart' | 'urlencoded'): Promise<FormData> {
  const form = encodeForm(encoding, parts);
  return new Response(form.bytes, { headers: { 'content-type': form.contentType } }).formData();
}

describe('form bodies', () => {
  it('builds a multipart body from the schema, with a generated file of the type its encoding documents', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const body = byId(suite.checks, 'uploadPhoto.operation').steps[0]?.request.body;
    expect(body?.kind).toBe('form');
    if (body?.kind !== 'form') return;
    expect(body.encoding).toBe('multipart');
    const file = body.parts.find((p) => p.name === 'file');
    expect(file).toMatchObject({ type: 'file', filename: 'upload.png', contentType: 'image/png' });
    const data = await parsed(body.parts, 'multipart');
    const sent = data.get('file');
    expect(sent).toBeInstanceOf(Blob);
    if (!(sent instanceof File)) throw new Error('the file part did not parse as a file');
    expect(sent.name).toBe('upload.png');
    expect(sent.type).toBe('image/png');
    // A real PNG: the signature, then an IHDR chunk.
    expect(Buffer.from(await sent.arrayBuffer()).subarray(0, 16).toString('hex')).toBe('89504e470d0a1a0a0000000d49484452');
    expect(String(data.get('caption')).length).toBeGreaterThanOrEqual(3);
    // An array explodes into repeated fields (a form's default style); an object travels as JSON text.
    expect(data.getAll('tags').every((t) => t === 'a' || t === 'b')).toBe(true);
    expect(() => JSON.parse(String(data.get('meta')))).not.toThrow();
  });

  it('checks that each required part is refused when missing, only where the schema itself refuses it', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const noFile = byId(suite.checks, 'uploadPhoto.missing_required.file');
    expect(noFile.kind).toBe('missing_required');
    const body = noFile.steps[0]?.request.body;
    expect(body?.kind === 'form' && body.parts.map((p) => p.name)).not.toContain('file');
    expect(body?.kind === 'form' && body.parts.map((p) => p.name)).toContain('caption');
    expect(noFile.steps[0]?.expect.statuses).toEqual([400]);
    expect(suite.checks.some((c) => c.id === 'uploadPhoto.missing_required.tags')).toBe(false);
  });

  it('sends a urlencoded body as the browser would, using the schema example', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    const step = byId(suite.checks, 'addNote.operation').steps[0];
    if (!step) throw new Error('no step');
    const resolved = resolveRequest(step.request, {});
    if (typeof resolved === 'string') throw new Error(resolved);
    expect(resolved.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(resolved.shownBody).toMatch(/^text=hello\+world/);
    const body = step.request.body;
    if (body?.kind !== 'form') throw new Error('not a form');
    expect((await parsed(body.parts, 'urlencoded')).get('text')).toBe('hello world');
  });

  it('makes the check unverifiable, with the schema errors, when no valid form can be built', async () => {
    const suite = await deriveSuiteFromText(SPEC);
    expect(byId(suite.checks, 'broken.operation').unverifiable).toMatch(/no valid form body for broken: .*pattern/);
  });

  it('shows a multipart body in reports with files by name, type and size, never their bytes', () => {
    const file = sampleFile('image/*');
    const form = encodeForm('multipart', [
      { type: 'field', name: 'caption', value: 'a "quoted" caption', contentType: null },
      { type: 'file', name: 'file', ...file },
    ]);
    expect(form.shown).toBe('multipart/form-data: caption="a \\"quoted\\" caption", file=@upload.png (image/png, 69 bytes)');
    expect(form.contentType).toMatch(/^multipart\/form-data; boundary=/);
  });

  it('types a file its encoding does not type from what its description says it is', async () => {
    const spec = JSON.parse(SPEC) as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> }; encoding?: unknown }> } } }> };
    const media = spec.paths['/photos']?.post.requestBody.content['multipart/form-data'];
    if (!media) throw new Error('the spec changed');
    delete media.encoding;
    media.schema.properties.file = { type: 'string', format: 'binary', description: 'the avatar, a JPEG' };
    const suite = await deriveSuiteFromText(JSON.stringify(spec));
    const body = byId(suite.checks, 'uploadPhoto.operation').steps[0]?.request.body;
    expect(body?.kind === 'form' && body.parts.find((p) => p.name === 'file')).toMatchObject({ filename: 'upload.jpg', contentType: 'image/jpeg' });
  });

  it('chooses a plausible file for each documented type, and octets for the rest', () => {
    expect(sampleFile('image/jpeg')).toMatchObject({ filename: 'upload.jpg', contentType: 'image/jpeg' });
    expect(Buffer.from(sampleFile('image/jpeg').base64, 'base64').subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect(sampleFile('application/pdf').filename).toBe('upload.pdf');
    expect(sampleFile('text/*')).toMatchObject({ filename: 'upload.txt', contentType: 'text/plain' });
    expect(sampleFile('application/zip')).toMatchObject({ filename: 'upload.bin', contentType: 'application/zip' });
    expect(sampleFile(null)).toMatchObject({ contentType: 'application/octet-stream' });
  });
});
