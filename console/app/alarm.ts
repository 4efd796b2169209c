/**
 * Getting a person's attention: a tone through Web Audio (no sound file to ship),
 * a desktop notification, and vibration on phones. Browsers allow sound and
 * notifications only after a user gesture, so `arm()` is called from a click.
 */
let audio: AudioContext | undefined;

export function arm(): void {
  audio ??= new AudioContext();
  void audio.resume();
  if ('Notification' in window && Notification.permission === 'default')
    void Notification.requestPermission();
}

export const armed = (): boolean =>
  audio?.state === 'running' || ('Notification' in window && Notification.permission === 'granted');

/** Three short high tones: distinct from a chat ping, not a siren. */
export function beep(times = 3): void {
  if (audio?.state !== 'running') return;
  const start = audio.currentTime;
  for (let i = 0; i < times; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start + i * 0.3);
    gain.gain.exponentialRampToValueAtTime(0.3, start + i * 0.3 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.3 + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.3);
    osc.stop(start + i * 0.3 + 0.22);
  }
}

export function notify(title: string, body: string, onClick?: () => void): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const notification = new Notification(title, { body, tag: title + body, requireInteraction: true });
  notification.onclick = () => {
    window.focus();
    onClick?.();
    notification.close();
  };
}

export function vibrate(): void {
  navigator.vibrate?.([300, 100, 300, 100, 300]);
}
