import type { OpenAiChatMessage } from '../../proto/index.js';

function textOf(content: OpenAiChatMessage['content']): string {
  if (content === null) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/**
 * Folds an OpenAI message list into the system prompt and prompt that
 * LanguageModel takes. Earlier turns become a transcript in the prompt, so the
 * system prompt stays byte-identical across a conversation and its evaluated
 * prefix is reused.
 */
export function toSystemAndPrompt(messages: readonly OpenAiChatMessage[]): { system: string; prompt: string } {
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .join('\n\n');
  const turns = messages.filter((m) => m.role === 'user' || m.role === 'assistant');
  const last = turns.at(-1);
  if (turns.length <= 1) return { system, prompt: textOf(last?.content ?? '') };
  const transcript = turns
    .slice(0, -1)
    .map((m) => `${m.role === 'user' ? 'User' : 'Assistant'}: ${textOf(m.content)}`)
    .join('\n');
  const final = last?.role === 'user' ? textOf(last.content) : `Continue as the assistant.\nAssistant: ${textOf(last?.content ?? '')}`;
  return { system, prompt: `Conversation so far:\n${transcript}\n\n${final}` };
}
