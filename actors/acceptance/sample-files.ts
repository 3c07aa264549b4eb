/** A small file to upload where a form documents a binary part. */
export interface SampleFile {
  filename: string;
  contentType: string;
  base64: string;
}

/**
 * Contents that pass the checks upload handlers commonly make: a real 1×1
 * PNG, files that start with their type's magic bytes (a JPEG header with no
 * image, a PDF with no page), plain text for text types. An app that decodes
 * a JPEG fully would refuse ours; none of the rest should.
 */
const CONTENTS: Array<{ type: RegExp; ext: string; base64: string }> = [
  { type: /^image\/png$/, ext: 'png', base64: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC' },
  { type: /^image\/jpe?g$/, ext: 'jpg', base64: '/9j/4AAQSkZJRgABAQAAAQABAAD/2Q==' },
  { type: /^image\/gif$/, ext: 'gif', base64: 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7' },
  { type: /^application\/pdf$/, ext: 'pdf', base64: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n').toString('base64') },
  { type: /^application\/json$/, ext: 'json', base64: Buffer.from('{"sample":true}\n').toString('base64') },
  { type: /^text\/csv$/, ext: 'csv', base64: Buffer.from('name,count\nsample,1\n').toString('base64') },
  { type: /^text\//, ext: 'txt', base64: Buffer.from('a sample file from autodev accept\n').toString('base64') },
];

const OCTETS = Buffer.from('autodev accept sample file\n').toString('base64');

/**
 * The file for a part whose documented types are `accepted` (an encoding's
 * contentType: one type, a list, or a wildcard such as image/*): the first
 * type we can make a plausible file of.
 */
export function sampleFile(accepted: string | null): SampleFile {
  const types = (accepted ?? '')
    .split(',')
    .map((t) => t.split(';')[0]?.trim().toLowerCase() ?? '')
    .filter(Boolean);
  for (const wanted of types) {
    const concrete = wanted === 'image/*' ? 'image/png' : wanted === 'text/*' ? 'text/plain' : wanted;
    const known = CONTENTS.find((c) => c.type.test(concrete));
    if (known) return { filename: `upload.${known.ext}`, contentType: concrete, base64: known.base64 };
  }
  const first = types.find((t) => !t.includes('*'));
  return { filename: 'upload.bin', contentType: first ?? 'application/octet-stream', base64: OCTETS };
}
