/** The two brokers the ingest ladder runs against, behind one face: where to connect, whom to meter, what they read. */
import { type HubProcess, shedTotalMetric, telemetryInMetric } from '../lib/hub-process.js';
import type { RelayCounter } from '../lib/mosquitto.js';

export interface Counts {
  /** Telemetry the broker read (hub: counted before its shedder), shed unparsed (hub), and handled. */
  received: number;
  shed: number;
  handled: number;
}

export interface Broker {
  name: 'hub' | 'mosquitto' | 'read floor' | 'read floor in C';
  url: string;
  anonymous: boolean;
  pid: number;
  /** Other processes on the load core whose CPU counts as load (mosquitto's counting subscriber). */
  loadSidePids: number[];
  counts(): Promise<Counts>;
}

export function hubBroker(hub: HubProcess): Broker {
  return {
    name: 'hub',
    url: hub.mqttUrl,
    anonymous: false,
    pid: hub.pid,
    loadSidePids: [],
    async counts() {
      const [received, shed] = await hub.metrics([telemetryInMetric, shedTotalMetric]);
      return { received: received!, shed: shed!, handled: received! - shed! };
    },
  };
}

export function mosquittoBroker(pid: number, url: string, counter: RelayCounter): Broker {
  return {
    name: 'mosquitto',
    url,
    anonymous: true,
    pid,
    loadSidePids: [counter.pid],
    async counts() {
      const delivered = counter.count;
      return { received: delivered, shed: 0, handled: delivered };
    },
  };
}
