// This module runs inside the judge's sandbox, copied there next to
// http-executor.js: it may import only node: builtins and types.
import type { FormPart } from '../../proto/index.js';

export interface EncodedForm {
  bytes: Buffer;
  /** With the multipart boundary. */
  contentType: string;
  /** What a report shows of the body: fields as sent, files by name, type and size only. */
  shown: string;
}

/**
 * Fixed, so the same suite sends the same bytes; a part that contains it
 * (a generated file never does, a sampled text could) gets a longer one.
 */
const BOUNDARY = 'autodev-acceptance-form-boundary';

/** Encodes a form body as a browser would: multipart/form-data with files, or application/x-www-form-urlencoded with text fields only. */
export function encodeForm(encoding: 'multipart' | 'urlencoded', parts: readonly FormPart[]): EncodedForm {
  if (encoding === 'urlencoded') {
    const params = new URLSearchParams();
    for (const part of parts) params.append(part.name, part.type === 'field' ? part.value : Buffer.from(part.base64, 'base64').toString('utf8'));
    const text = params.toString();
    return { bytes: Buffer.from(text, 'utf8'), contentType: 'application/x-www-form-urlencoded', shown: text };
  }
  const contents = parts.map((part) => (part.type === 'field' ? Buffer.from(part.value, 'utf8') : Buffer.from(part.base64, 'base64')));
  let boundary = BOUNDARY;
  while (contents.some((c) => c.includes(boundary))) boundary = `${boundary}-x`;
  const chunks: Buffer[] = [];
  parts.forEach((part, i) => {
    const disposition = `form-data; name="${quoted(part.name)}"${part.type === 'file' ? `; filename="${quoted(part.filename)}"` : ''}`;
    const head = `--${boundary}\r\ncontent-disposition: ${disposition}\r\n${part.contentType ? `content-type: ${part.contentType}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), contents[i] ?? Buffer.alloc(0), Buffer.from('\r\n', 'utf8'));
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  const shown = parts.map((p) => (p.type === 'field' ? `${p.name}=${JSON.stringify(p.value)}` : `${p.name}=@${p.filename} (${p.contentType}, ${Buffer.from(p.base64, 'base64').byteLength} bytes)`));
  return { bytes: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}`, shown: `multipart/form-data: ${shown.join(', ')}` };
}

/** A name or filename inside a quoted header parameter: quotes and line breaks escaped as browsers do (WHATWG). */
const quoted = (text: string) => text.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
