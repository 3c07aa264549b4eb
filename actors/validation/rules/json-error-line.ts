/**
 * Where a JSON text first goes wrong, as a line number. JSON.parse's message
 * quotes the text around the error (`Unexpected token 'a', "abc" is not valid
 * JSON`), and a rule's detail never echoes a file's content, so the position
 * is found by this scanner instead. It follows RFC 8259 and returns null when
 * it finds no error (JSON.parse is still the judge of validity).
 */
export function jsonErrorLine(text: string): number | null {
  const offset = jsonErrorOffset(text);
  if (offset === null) return null;
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

class Stop {
  constructor(readonly at: number) {}
}

export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const fail = (): never => {
    throw new Stop(i);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i += 1;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail();
      i += 1;
    }
  };
  const string = () => {
    i += 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i += 1;
        return;
      }
      if (c < 0x20) fail();
      if (c === 92) {
        i += 1;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 1;
        else fail();
      } else i += 1;
    }
    fail();
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '-' || match[0] === '') fail();
    i += (match as RegExpExecArray)[0].length;
  };
  // Nesting is walked with an explicit stack, so a deeply nested file cannot overflow the host's.
  const value = () => {
    const closers: string[] = [];
    for (;;) {
      space();
      const c = text[i];
      if (c === '{' || c === '[') {
        i += 1;
        space();
        if (text[i] === (c === '{' ? '}' : ']')) i += 1;
        else {
          closers.push(c === '{' ? '}' : ']');
          if (c === '{') key();
          continue;
        }
      } else if (c === '"') string();
      else if (c === 't') literal('true');
      else if (c === 'f') literal('false');
      else if (c === 'n') literal('null');
      else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
      else fail();
      // After a value: a comma continues the innermost container, its closer ends it.
      for (;;) {
        const closer = closers.at(-1);
        if (closer === undefined) return;
        space();
        if (text[i] === ',') {
          i += 1;
          if (closer === '}') key();
          break;
        }
        if (text[i] !== closer) fail();
        i += 1;
        closers.pop();
      }
    }
  };
  const key = () => {
    space();
    if (text[i] !== '"') fail();
    string();
    space();
    if (text[i] !== ':') fail();
    i += 1;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return null;
  } catch (error) {
    if (error instanceof Stop) return error.at;
    throw error;
  }
}
