import { ProtocolError, type Blueprint, type SpecSummary, type TechStack } from '../../proto/index.js';
import { looksLikeMarkdown, splitMarkdown } from './markdown.js';
import { isOpenApiDocument, parseSpecDocument } from '../acceptance/load-spec.js';
import { analyzeOpenApi } from './openapi.js';

/**
 * The ProjectAnalyzer: prompt and spec in, Blueprint out. It is
 * deterministic, so a weak model cannot get the skeleton of the project
 * wrong; the model refines the plan built from it. A spec that claims to be
 * OpenAPI and fails validation is rejected here, at submission.
 */
export async function analyzeProject(prompt: string, spec: string | null): Promise<Blueprint> {
  const summary = spec === null ? null : await summarizeSpec(spec).catch(asSpecError);
  const techStack = identifyTechStack(prompt);
  const requirements = parseRequirements(prompt, summary);
  return {
    requirements,
    techStack,
    structure: projectStructure(techStack, summary),
    complexity: estimateComplexity(requirements, summary),
    spec: summary,
  };
}

export async function summarizeSpec(spec: string): Promise<SpecSummary> {
  const trimmed = spec.trim();
  if (/^(\{|openapi\s*:|swagger\s*:|["']?openapi["']?\s*:)/m.test(trimmed.slice(0, 2000))) {
    const document = parseSpecDocument(trimmed);
    if (isOpenApiDocument(document)) return analyzeOpenApi(document);
  }
  if (looksLikeMarkdown(trimmed)) return { kind: 'markdown', sections: splitMarkdown(trimmed) };
  return { kind: 'text', text: trimmed };
}

/** Sentences and list items of the prompt, then one requirement per operation or spec section. */
export function parseRequirements(prompt: string, spec: SpecSummary | null): string[] {
  const fromPrompt: string[] = [];
  for (const paragraph of prompt.split(/\n\s*\n/)) {
    const lines = paragraph.split('\n').map((l) => l.trim()).filter(Boolean);
    const isList = lines.length > 0 && lines.every((l) => /^([-*+]|\d+[.)])\s/.test(l));
    const parts = isList
      ? lines.map((l) => l.replace(/^([-*+]|\d+[.)])\s+/, ''))
      : lines.join(' ').split(/(?<=[.!?])\s+/);
    fromPrompt.push(...parts.map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s.length > 3));
  }
  const fromSpec =
    spec?.kind === 'openapi'
      ? spec.operations.map((op) => `${op.method.toUpperCase()} ${op.path}: ${op.summary || op.operationId}`)
      : spec?.kind === 'markdown'
        ? spec.sections.filter((s) => s.heading).map((s) => s.heading)
        : [];
  return [...fromPrompt, ...fromSpec];
}

const has = (text: string, ...words: string[]) => words.some((w) => new RegExp(`\\b${w}\\b`, 'i').test(text));

/** TypeScript on Node unless the prompt names something else; the choices are the defaults users expect. */
export function identifyTechStack(prompt: string): TechStack {
  const python = has(prompt, 'python', 'fastapi', 'django', 'flask');
  const framework = python
    ? has(prompt, 'django') ? 'Django' : has(prompt, 'flask') ? 'Flask' : 'FastAPI'
    : has(prompt, 'express') ? 'Express' : has(prompt, 'fastify') ? 'Fastify' : 'Hono';
  const database = has(prompt, 'postgres', 'postgresql')
    ? 'PostgreSQL'
    : has(prompt, 'mysql')
      ? 'MySQL'
      : has(prompt, 'mongo', 'mongodb')
        ? 'MongoDB'
        : has(prompt, 'sqlite', 'database', 'db', 'storage', 'persist', 'store')
          ? 'SQLite'
          : null;
  const frontend = has(prompt, 'react') ? 'React' : has(prompt, 'vue') ? 'Vue' : has(prompt, 'svelte') ? 'Svelte'
    : has(prompt, 'frontend', 'front-end', 'ui', 'web app', 'webapp', 'dashboard', 'page', 'mobile') ? 'React' : null;
  return {
    language: python ? 'Python' : 'TypeScript',
    runtime: python ? 'CPython 3' : 'Node.js',
    framework,
    database,
    testing: python ? 'pytest' : 'Vitest',
    frontend,
  };
}

export function projectStructure(stack: TechStack, spec: SpecSummary | null): string[] {
  const ts = stack.language === 'TypeScript';
  const resources = spec?.kind === 'openapi' ? [...new Set(spec.operations.map((o) => o.resource))] : ['app'];
  const src = ts ? 'src' : 'app';
  const ext = ts ? 'ts' : 'py';
  return [
    ts ? 'package.json' : 'pyproject.toml',
    ...(ts ? ['tsconfig.json'] : []),
    `${src}/server.${ext}`,
    ...resources.map((r) => `${src}/routes/${r}.${ext}`),
    ...resources.map((r) => (ts ? `test/${r}.test.ts` : `tests/test_${r}.py`)),
    ...(stack.frontend ? ['web/index.html', `web/src/App.${ts ? 'tsx' : 'jsx'}`] : []),
    'Dockerfile',
    '.github/workflows/ci.yml',
    'README.md',
  ];
}

export function estimateComplexity(requirements: readonly string[], spec: SpecSummary | null): Blueprint['complexity'] {
  const operations = spec?.kind === 'openapi' ? spec.operations.length : 0;
  const score = requirements.length + operations;
  return score <= 6 ? 'small' : score <= 20 ? 'medium' : 'large';
}

/** Anything the parsers throw is a problem with the user's spec, reported as such. */
function asSpecError(error: unknown): never {
  if (error instanceof ProtocolError) throw error;
  throw new ProtocolError('bad_request', `the spec could not be analysed: ${error instanceof Error ? error.message : String(error)}`, {
    field: 'spec',
  });
}
