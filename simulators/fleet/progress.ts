import { SimClock } from './sim-clock.js';

/** One status line, redrawn in place on a terminal, every 10 % otherwise. */
export class ProgressBar {
  private lastDecile = -1;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  draw(p: {
    share: number;
    simNow: number;
    day: number;
    messages: number;
    events: number;
    alerts: number;
    accepted: number;
  }): void {
    const share = Math.max(0, Math.min(1, p.share));
    const width = 24;
    const filled = Math.round(share * width);
    const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  day ${p.day} ${SimClock.format(p.simNow)}  messages ${p.messages.toLocaleString('en')}  events ${p.events.toLocaleString('en')}  alerts ${p.alerts}  accepted ${p.accepted}`;
    if (this.out.isTTY) this.out.write(`\r${text}\x1b[K`);
    else {
      const decile = Math.floor(share * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.out.write(`${text}\n`);
      }
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
