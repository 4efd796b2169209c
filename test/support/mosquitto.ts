import { spawn } from 'node:child_process';
import { mosquittoProgram } from '../../bench/lib/programs.js';
import { type Need, need } from './services.js';

const clients = ['mosquitto_pub', 'mosquitto_sub', 'mosquitto_rr'] as const;

/** Debian's mosquitto clients: in TEST_MOSQUITTO_BIN's directories, then PATH, then /usr/bin. */
export const mosquittoClients: Need = {
  name: 'mosquitto-clients',
  variable: 'TEST_MOSQUITTO_BIN',
  holds: 'the directory (or a PATH-like list) holding mosquitto_pub, mosquitto_sub and mosquitto_rr',
  find() {
    const found = clients.map((client) => mosquittoProgram(client, 'TEST_MOSQUITTO_BIN'));
    return found.every(Boolean) ? found.join(' ') : undefined;
  },
};

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of Debian's mosquitto clients (mosquitto_pub, mosquitto_sub, mosquitto_rr):
 * a real MQTT client this project did not write. Killed after `timeoutMs`.
 */
export function mosquittoClient(
  command: (typeof clients)[number],
  args: string[],
  options: { timeoutMs?: number; stdin?: string } = {},
): Promise<ClientRun> {
  need(mosquittoClients);
  const program = mosquittoProgram(command, 'TEST_MOSQUITTO_BIN')!;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 10_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start (${program}): ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Connection arguments for a device: client id = username = device id, password = its secret. */
export function deviceArgs(port: number, deviceId: string, secret: string): string[] {
  return [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-V',
    'mqttv311',
    '-i',
    deviceId,
    '-u',
    deviceId,
    '-P',
    secret,
  ];
}
