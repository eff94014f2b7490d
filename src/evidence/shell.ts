// The simple commands of a RUN line, enough to see what it runs: split on `&&`, `||`, `;`, `|`
// and newlines outside quotes, each command as words. Not a shell: no expansion, no subshells —
// a finding is only made on what the words plainly say.

export interface ShellCommand {
  words: string[];
  /** The operator that joins this command to the next: '&&', '||', ';', '|', or null at the end. */
  next: string | null;
}

export function splitCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (next: string | null): void => {
    endWord();
    if (words.length > 0 || next === null) commands.push({ words, next });
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i];
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && i + 1 < script.length) word += script[++i];
      else word += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
      continue;
    }
    if (char === '\\' && i + 1 < script.length) {
      const following = script[++i];
      if (following !== '\n') {
        word += following;
        inWord = true;
      }
      continue;
    }
    if (char === '#' && !inWord) {
      while (i < script.length && script[i] !== '\n') i++;
      endCommand(';');
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      endCommand(two);
      i++;
      continue;
    }
    if (char === ';' || char === '\n' || char === '|' || char === '&') {
      endCommand(char === '\n' ? ';' : char);
      continue;
    }
    if (char === ' ' || char === '\t') {
      endWord();
      continue;
    }
    word += char;
    inWord = true;
  }
  endCommand(null);
  return commands.filter((command) => command.words.length > 0);
}

/** The program a command runs, past `sudo`, `env A=b`, `exec` and leading assignments. */
export function programOf(words: string[]): { program: string; args: string[] } {
  let i = 0;
  while (i < words.length) {
    const word = words[i];
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word) || word === 'exec' || word === 'command') i++;
    else if (word === 'sudo' || word === 'env') {
      i++;
      while (i < words.length && words[i].startsWith('-')) i++;
    } else break;
  }
  const program = (words[i] ?? '').replace(/^.*\//, '');
  return { program, args: words.slice(i + 1) };
}
