// BuildKit's `--progress=rawjson` writes concatenated, pretty-printed JSON objects on stderr, and
// buildx adds plain text lines (`ERROR: failed to solve: …`) between or after them. This splits
// the stream into both, incrementally, so progress can be shown while the build runs.

export interface RawVertex {
  digest: string;
  name?: string;
  inputs?: string[];
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

export interface RawLog {
  vertex: string;
  stream?: number;
  data?: string; // base64
  timestamp?: string;
}

export interface RawStatus {
  vertexes?: RawVertex[];
  logs?: RawLog[];
  warnings?: { vertex?: string; short?: string }[];
}

export class RawJsonSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private objectStart = -1;
  private scanned = 0;

  constructor(
    private readonly onObject: (value: RawStatus) => void,
    private readonly onText: (line: string) => void,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    const text = this.buffer;
    let consumed = 0;
    for (let i = this.scanned; i < text.length; i++) {
      const ch = text[i];
      if (this.depth === 0) {
        if (ch === '{') {
          this.flushText(text.slice(consumed, i));
          this.objectStart = i;
          this.depth = 1;
          consumed = i;
        } else if (ch === '\n') {
          this.flushText(text.slice(consumed, i));
          consumed = i + 1;
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{') this.depth++;
      else if (ch === '}' && --this.depth === 0) {
        const json = text.slice(this.objectStart, i + 1);
        consumed = i + 1;
        try {
          this.onObject(JSON.parse(json) as RawStatus);
        } catch {
          this.onText(json);
        }
      }
    }
    this.buffer = text.slice(consumed);
    this.scanned = this.buffer.length;
    if (this.depth > 0) this.objectStart = 0;
  }

  end(): void {
    if (this.buffer !== '') this.flushText(this.buffer);
    this.buffer = '';
  }

  private flushText(text: string): void {
    const line = text.trim();
    if (line !== '') this.onText(line);
  }
}

export interface BuildStep {
  digest: string;
  name: string;
  cached: boolean;
  started: number | null;
  completed: number | null;
  error: string | null;
  /** Combined stdout/stderr of the step, as BuildKit reported it. */
  log: string;
}

/** Folds the status stream into one record per step (vertex), in the order steps first appeared. */
export class BuildSteps {
  private readonly steps = new Map<string, BuildStep>();
  readonly text: string[] = [];

  apply(status: RawStatus): BuildStep[] {
    const changed: BuildStep[] = [];
    for (const vertex of status.vertexes ?? []) {
      const step = this.step(vertex.digest);
      if (vertex.name) step.name = vertex.name;
      if (vertex.cached) step.cached = true;
      if (vertex.started) step.started = Date.parse(vertex.started);
      if (vertex.completed) step.completed = Date.parse(vertex.completed);
      if (vertex.error) step.error = vertex.error;
      changed.push(step);
    }
    for (const log of status.logs ?? []) {
      if (log.data) this.step(log.vertex).log += Buffer.from(log.data, 'base64').toString('utf8');
    }
    return changed;
  }

  all(): BuildStep[] {
    return [...this.steps.values()];
  }

  /**
   * The work steps of the Dockerfile (`[stage-1 2/6] RUN …`): not BuildKit's internal ones, and
   * not FROM, which resolves a base rather than doing work (and is never "cached").
   */
  instructionSteps(): BuildStep[] {
    return this.all().filter((step) => isInstructionStep(step.name));
  }

  private step(digest: string): BuildStep {
    let step = this.steps.get(digest);
    if (!step) {
      step = { digest, name: '', cached: false, started: null, completed: null, error: null, log: '' };
      this.steps.set(digest, step);
    }
    return step;
  }
}

export function isInstructionStep(name: string): boolean {
  return /^\[[^\]]*\d+\/\d+\] (?!FROM\b)/.test(name);
}
