import { RTCPeerConnection, type RTCDataChannel, type RTCSessionDescriptionInit, type SettingEngine } from '../../src/index.js';

export interface DataChannelsSession {
  pc: RTCPeerConnection;
  close(): void;
}

/**
 * Pion's data-channels example as a function: answers a browser's offer,
 * prints what arrives on every channel the page opens, and sends the time on
 * it every `intervalMs`. Returns the answer (ICE gathered, no trickle).
 */
export async function answerDataChannels(
  offer: RTCSessionDescriptionInit,
  options: { settingEngine?: SettingEngine; intervalMs?: number; onMessage?: (channel: RTCDataChannel, text: string) => void } = {},
): Promise<{ session: DataChannelsSession; answer: RTCSessionDescriptionInit }> {
  const pc = new RTCPeerConnection({}, options.settingEngine ? { settingEngine: options.settingEngine } : {});
  const timers = new Set<NodeJS.Timeout>();
  pc.ondatachannel = ({ channel }) => {
    console.log(`New DataChannel ${channel.label} ${String(channel.id)}`);
    channel.onopen = () => {
      console.log(`Data channel '${channel.label}'-'${String(channel.id)}' open. Sending the time every ${options.intervalMs ?? 5000} ms`);
      const t = setInterval(() => {
        if (channel.readyState === 'open') channel.send(`tern-rtc: ${new Date().toISOString()}`);
      }, options.intervalMs ?? 5000);
      timers.add(t);
      channel.onclose = () => {
        clearInterval(t);
        timers.delete(t);
      };
    };
    channel.onmessage = (e) => {
      const text = typeof e.data === 'string' ? e.data : `<${(e.data as ArrayBuffer).byteLength ?? 0} bytes>`;
      console.log(`Message from DataChannel '${channel.label}': '${text}'`);
      options.onMessage?.(channel, text);
    };
  };
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const sub = pc.iceGatheringState$.subscribe((s) => {
      if (s === 'complete') {
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
  const close = (): void => {
    for (const t of timers) clearInterval(t);
    timers.clear();
    pc.close();
  };
  return { session: { pc, close }, answer: pc.localDescription! };
}
