import type { Logger } from 'pino';
import type { Stage } from '../kernel/stage.js';

/**
 * The hub's stages in start order, with the one loop that starts them and stops them in
 * reverse. A stage that fails to start stops those already started, then the error goes on.
 */
export class StageList {
  private started: Array<[string, Stage]> = [];
  private stoppingNow: string | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly stages: ReadonlyArray<readonly [name: string, stage: Stage]>,
  ) {}

  async start(): Promise<void> {
    for (const [name, stage] of this.stages) {
      try {
        await stage.start();
      } catch (error) {
        this.logger.error({ err: error, stage: name }, 'stage failed to start; stopping the others');
        await this.stop();
        throw error;
      }
      this.started.push([name, stage]);
      this.logger.debug({ stage: name }, 'started');
    }
  }

  /** In reverse; one stage failing to stop does not keep the others running. */
  async stop(): Promise<void> {
    for (const [name, stage] of this.started.reverse()) {
      this.stoppingNow = name;
      try {
        await stage.stop();
      } catch (error) {
        this.logger.error({ err: error, stage: name }, 'stage failed to stop');
      }
    }
    this.stoppingNow = undefined;
    this.started = [];
  }

  /** The stage whose stop is under way: a stop cut short for taking too long says which one hung. */
  get stopping(): string | undefined {
    return this.stoppingNow;
  }
}
