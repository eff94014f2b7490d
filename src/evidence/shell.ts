// The simple commands of a RUN line, enough to see what it runs: split on `&&`, `||`, `;`, `|`,
// `&`, `(`, `)` and newlines outside quotes, each command as words. Not a shell: no expansion —
// a finding is only made on what the words plainly say. It knows the shell's syntax where reading
// it as plain commands would invent something that is not there:
// - `case … in a|b) …;; esac`: the `|` of a pattern is an alternative, not a pipe, and the
//   patterns are not commands;
// - `$(…)`, `${…}` and backquotes stay inside their word, pipes and all; the commands inside a
//   command substitution are commands the RUN runs too, listed before the one that uses them;
// - redirections `2>&1`, `>&2`, `&>file`, `>|file` are words, not a background `&` or a pipe;
// - the body of a here-document is text, not commands.

export interface ShellCommand {
  words: string[];
  /** The operator that joins this command to the next: '&&', '||', ';', '|', '&', or null at the end. */
  next: string | null;
}

type CaseState = 'pattern' | 'body';

export function splitCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const cases: CaseState[] = [];
  const heredocs: { delimiter: string; strip: boolean }[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let heredocNext: boolean | null = null; // after a bare `<<` / `<<-`: the next word is the delimiter

  const endWord = (): void => {
    if (!inWord) return;
    if (heredocNext !== null) {
      heredocs.push({ delimiter: word, strip: heredocNext });
      heredocNext = null;
      words.push(word);
    } else if (word === 'esac' && words.length === 0 && cases[cases.length - 1] === 'body') {
      cases.pop(); // the last branch may end without `;;`
    } else {
      const opener = /^<<(-?)(\S*)$/.exec(word);
      if (opener && !word.startsWith('<<<')) {
        if (opener[2]) heredocs.push({ delimiter: opener[2], strip: opener[1] === '-' });
        else heredocNext = opener[1] === '-';
      }
      words.push(word);
      if (words.length === 3 && words[0] === 'case' && words[2] === 'in') {
        words = []; // `case WORD in` runs nothing itself; what follows are patterns
        cases.push('pattern');
      }
    }
    word = '';
    inWord = false;
  };
  const endCommand = (next: string | null): void => {
    endWord();
    if (words.length > 0) commands.push({ words, next });
    else if (next === '|' && commands.length > 0) {
      // `(a; b) | c`, `esac | c`: the pipe after a compound command starts at its last command.
      commands[commands.length - 1].next = '|';
    }
    words = [];
  };

  let i = 0;
  /** Text from `open` to its balanced `close` (quotes respected), for `$(…)`, `${…}` and backquotes. */
  const balanced = (open: string, close: string): string => {
    const start = i;
    let depth = 0;
    let quote: string | null = null;
    for (; i < script.length; i++) {
      const char = script[i];
      if (quote) {
        if (char === '\\' && quote !== "'") i++;
        else if (char === quote) quote = null;
        continue;
      }
      if (char === '\\') {
        i++;
        continue;
      }
      if ((char === '"' || char === "'") && open !== '`') {
        quote = char;
        continue;
      }
      if (script.startsWith(open, i) && (open !== close || i === start)) {
        depth++;
        i += open.length - 1;
        continue;
      }
      if (char === close && --depth === 0) break;
    }
    return script.slice(start, i + 1);
  };
  /** `$(…)` or a backquoted text: its commands run too (not `$((…))`, which is arithmetic). */
  const substitution = (text: string): string => {
    const inner = text.startsWith('`') ? text.slice(1, -1) : text.slice(2, -1);
    if (!text.startsWith('$((')) commands.push(...splitCommands(inner));
    return text;
  };
  const skipHeredocBodies = (): void => {
    while (heredocs.length > 0) {
      const { delimiter, strip } = heredocs.shift()!;
      while (i + 1 < script.length) {
        const end = script.indexOf('\n', i + 1);
        const line = script.slice(i + 1, end === -1 ? script.length : end);
        i = end === -1 ? script.length : end;
        if ((strip ? line.replace(/^\t+/, '') : line) === delimiter) break;
      }
    }
  };

  for (; i < script.length; i++) {
    const char = script[i];
    if (cases[cases.length - 1] === 'pattern' && !inWord) {
      // A pattern list up to `)`, or the `esac` that closes the case.
      if (/\s|;/.test(char)) continue;
      const rest = script.slice(i);
      const esac = /^esac(?=[\s;&|)]|$)/.exec(rest);
      if (esac) {
        cases.pop();
        i += 3;
        continue;
      }
      let quote: string | null = null;
      for (; i < script.length; i++) {
        if (quote) {
          if (script[i] === quote) quote = null;
        } else if (script[i] === '"' || script[i] === "'") quote = script[i];
        else if (script[i] === '\\') i++;
        else if (script[i] === ')') break;
      }
      cases[cases.length - 1] = 'body';
      continue;
    }
    if (char === '"' || char === "'") {
      inWord = true;
      for (i++; i < script.length && script[i] !== char; i++) {
        if (char === '"' && script[i] === '\\' && i + 1 < script.length) word += script[++i];
        else if (char === '"' && script.startsWith('$(', i)) word += substitution(balanced('(', ')'));
        else if (char === '"' && script[i] === '`') word += substitution(balanced('`', '`'));
        else word += script[i];
      }
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
    if (char === '$' && (script[i + 1] === '(' || script[i + 1] === '{')) {
      i++;
      word += script[i] === '(' ? substitution('$' + balanced('(', ')')) : '$' + balanced('{', '}');
      inWord = true;
      continue;
    }
    if ((char === '<' || char === '>') && script[i + 1] === '(' && !inWord) {
      // Process substitution, `bash <(curl …)`: a word whose commands run too.
      i++;
      const text = balanced('(', ')');
      commands.push(...splitCommands(text.slice(1, -1)));
      word += char + text;
      inWord = true;
      continue;
    }
    if (char === '`') {
      word += substitution(balanced('`', '`'));
      inWord = true;
      continue;
    }
    if (char === '#' && !inWord) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
      continue;
    }
    const previous = script[i - 1];
    // Redirections that contain & or |: 2>&1, >&2, <&0, &>file, &>>file, >|file.
    if (
      (char === '&' && inWord && (previous === '>' || previous === '<')) ||
      (char === '&' && script[i + 1] === '>') ||
      (char === '|' && inWord && previous === '>')
    ) {
      word += char;
      inWord = true;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (cases.length > 0 && cases[cases.length - 1] === 'body' && (two === ';;' || two === ';&')) {
      endCommand(';');
      i += script[i + 2] === '&' ? 2 : 1; // ;; ;& ;;&
      cases[cases.length - 1] = 'pattern';
      continue;
    }
    if (two === '&&' || two === '||' || two === '|&') {
      endCommand(two === '|&' ? '|' : two);
      i++;
      continue;
    }
    if (char === '\n') {
      endCommand(';');
      skipHeredocBodies();
      continue;
    }
    if (char === ';' || char === '|' || char === '&') {
      endCommand(char);
      continue;
    }
    if (char === '(' || char === ')') {
      // A subshell's parentheses delimit commands; `a=(1 2)` (an array) is rare in RUN and harmless.
      endCommand(';');
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      endWord();
      continue;
    }
    word += char;
    inWord = true;
  }
  endCommand(null);
  return commands.filter((command) => command.words.length > 0);
}

/** Words that open or continue a compound command: the program is the word after them. */
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);

/** Options of the command runners that take the next word as their value (`sudo -u app …`). */
const VALUE_OPTIONS: Record<string, Set<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-R', '-T']),
  env: new Set(['-u', '-C', '-S']),
};

/** The program a command runs, past `then`/`do`…, `sudo -u x`, `env A=b`, `exec` and leading assignments. */
export function programOf(words: string[]): { program: string; args: string[] } {
  let i = 0;
  while (i < words.length) {
    const word = words[i];
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word) || word === 'exec' || word === 'command' || RESERVED.has(word)) i++;
    else if (word === 'sudo' || word === 'env') {
      i++;
      while (i < words.length && words[i].startsWith('-')) i += VALUE_OPTIONS[word].has(words[i]) ? 2 : 1;
    } else break;
  }
  const program = (words[i] ?? '').replace(/^.*\//, '');
  return { program, args: words.slice(i + 1) };
}
