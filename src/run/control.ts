import type { Engine } from '../docker/engine.js';
import type { Collected } from '../evidence/collected.js';
import type { ComposeEvidence } from '../evidence/compose.js';
import type { EngineRecord } from '../evidence/engine.js';
import type { DeferredCleanup } from '../util/deferred-cleanup.js';

// What every target of one run shares while it is collected: the run's id, its cancellation, the
// engine session and the run's compose project.

/** The engine, connected once for the whole run, and what it is. */
export interface EngineSession {
  engine: Engine;
  record: Collected<EngineRecord>;
}

export interface RunControl {
  /** The run's id: every container, network and compose project of the run carries it. */
  runId: string;
  signal?: AbortSignal;
  /** Absent in static mode. */
  engine?: EngineSession;
  /** The run's compose project, when it has one: a target that is one of its services is proven in its stack. */
  compose?: ComposeEvidence | null;
  /**
   * Where a target's removals go once its evidence is in, for the run to overlap them with its
   * judging and to settle before anything else is measured; absent, each is done at once.
   */
  cleanup?: DeferredCleanup;
  /** What a builder (`''`: the engine's own) can build, asked once per run and builder. */
  builderPlatforms?: (builder: string) => Promise<string[]>;
}
