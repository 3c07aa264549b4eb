import type { Role, WorkRequest } from '../../proto/index.js';

const ROLE_BRIEFS: Record<Role, string> = {
  backend: 'You are a backend engineer. Write server code: API endpoints, data models and business logic.',
  frontend: 'You are a frontend engineer. Write UI components, styling and client-side state.',
  testing: 'You are a test engineer. Write unit and integration tests that check the requirements.',
  devops: 'You are a DevOps engineer. Write package manifests, build configuration, CI and deployment files.',
  docs: 'You are a technical writer. Write the README, API documentation and user guides.',
};

const FORMAT = [
  'Answer in this exact format and nothing else:',
  '@@@ SUMMARY <one line saying what you wrote>',
  '@@@ FILE <relative/path>',
  '<the whole file content>',
  '@@@ END',
  'Repeat the FILE block for each file. Paths are relative to the repository root.',
].join('\n');

export function systemPromptFor(role: Role): string {
  return `${ROLE_BRIEFS[role]}\n${FORMAT}`;
}

export function taskPrompt(request: WorkRequest): string {
  const parts = [
    `Project: ${request.jobPrompt}`,
    `Your task (${request.taskId}): ${request.description}`,
  ];
  if (request.prompt && request.prompt !== request.description) parts.push(`Details: ${request.prompt}`);
  parts.push(`It is done when:\n${request.validationRules.map((r) => `- ${r}`).join('\n')}`);
  if (request.previousError) {
    parts.push(`Your previous attempt failed with this error; avoid it this time:\n${request.previousError}`);
  }
  return parts.join('\n\n');
}
