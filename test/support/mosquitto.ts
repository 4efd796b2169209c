import { spawn } from 'node:child_process';

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
  command: 'mosquitto_pub' | 'mosquitto_sub' | 'mosquitto_rr',
  args: string[],
  options: { timeoutMs?: number; stdin?: string } = {},
): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
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
      reject(new Error(`${command} could not start (apt-get install mosquitto-clients): ${error.message}`));
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
