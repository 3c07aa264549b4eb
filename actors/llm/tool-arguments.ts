/**
 * OpenAI sends a call's arguments as a JSON string the model wrote; it may
 * not parse. The error goes back to the model as the call's result, so it
 * can call again, rather than failing the whole answer.
 */
export function parseToolArguments(raw: string): { args: unknown; argsError?: string } {
  if (raw.trim() === '') return { args: {} };
  try {
    return { args: JSON.parse(raw) as unknown };
  } catch (error) {
    return { args: raw, argsError: `the arguments are not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}
