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
  /** Digests of the vertices this one consumes. */
  inputs: string[];
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
      if (vertex.inputs) step.inputs = vertex.inputs;
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
   * The work steps of the Dockerfile (`[stage-1 2/6] RUN …`), one per instruction: not BuildKit's
   * internal ones, and not FROM, which resolves a base rather than doing work (and is never
   * "cached").
   */
  instructionSteps(): BuildStep[] {
    const byName = new Map<string, BuildStep[]>();
    for (const step of this.all()) {
      if (!isInstructionStep(step.name)) continue;
      const group = byName.get(step.name);
      if (group) group.push(step);
      else byName.set(step.name, [step]);
    }
    return [...byName.values()].map(foldInstruction);
  }

  private step(digest: string): BuildStep {
    let step = this.steps.get(digest);
    if (!step) {
      step = { digest, name: '', cached: false, started: null, completed: null, error: null, log: '', inputs: [] };
      this.steps.set(digest, step);
    }
    return step;
  }
}

/**
 * BuildKit 0.2x runs some instructions as several vertices of the same name: `ADD <url>` is a
 * source vertex that fetches (it always runs, to learn the content's checksum) feeding a copy
 * vertex (cached when the content is unchanged). BuildKit 0.8–0.12 names the source vertex by its
 * URL instead. Either way the instruction's result is the vertex none of the others consumes:
 * its cache state is the step's, so a rebuild reads the same on every engine. The step is timed
 * from the first start to the last completion.
 */
function foldInstruction(vertices: BuildStep[]): BuildStep {
  if (vertices.length === 1) return vertices[0];
  const consumed = new Set(vertices.flatMap((vertex) => vertex.inputs));
  const results = vertices.filter((vertex) => !consumed.has(vertex.digest));
  const result = results.length > 0 ? results : vertices;
  const starts = vertices.map((vertex) => vertex.started).filter((time): time is number => time !== null);
  const completions = vertices.map((vertex) => vertex.completed);
  return {
    digest: result[0].digest,
    name: result[0].name,
    cached: result.every((vertex) => vertex.cached),
    started: starts.length > 0 ? Math.min(...starts) : null,
    completed: completions.every((time) => time !== null) ? Math.max(...completions) : null,
    error: vertices.find((vertex) => vertex.error)?.error ?? null,
    log: vertices.map((vertex) => vertex.log).join(''),
    inputs: [...new Set(vertices.flatMap((vertex) => vertex.inputs))].filter(
      (digest) => !vertices.some((vertex) => vertex.digest === digest),
    ),
  };
}

export function isInstructionStep(name: string): boolean {
  return /^\[[^\]]*\d+\/\d+\] (?!FROM\b)/.test(name);
}
