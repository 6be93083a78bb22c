import {
  RTCPeerConnection,
  SettingEngine,
  TrackLocalStaticRTP,
  type RTCConfiguration,
  type RTCSessionDescriptionInit,
  type TrackRemote,
} from '../../src/index.js';

/**
 * Pion's reflect: every track the browser sends comes straight back on a
 * local track of the same codec, and a PLI every few seconds keeps key
 * frames coming for the returned stream.
 */
export interface ReflectOptions {
  settingEngine?: SettingEngine;
  /** W3C configuration (ICE servers, transport policy). */
  configuration?: RTCConfiguration;
  /** How often to ask the browser for a key frame. */
  keyFrameIntervalMs?: number;
}

export interface ReflectSession {
  pc: RTCPeerConnection;
  /** Packets reflected so far, by kind. */
  reflected: { audio: number; video: number };
  close(): void;
}

function waitForGathering(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const sub = pc.iceGatheringState$.subscribe((s) => {
      if (s === 'complete') {
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
}

/** Answers a browser's offer with a peer connection that reflects its media. */
export async function answerReflect(offer: RTCSessionDescriptionInit, options: ReflectOptions = {}): Promise<{ session: ReflectSession; answer: RTCSessionDescriptionInit }> {
  const pc = new RTCPeerConnection(options.configuration ?? {}, options.settingEngine ? { settingEngine: options.settingEngine } : {});
  const session = reflectOn(pc, options);
  await pc.setRemoteDescription(offer);
  // One outbound track per offered kind, added before answering so the answer is sendrecv.
  for (const t of pc.getTransceivers()) {
    const codec = t.negotiatedCodecs.find((c) => !/rtx|red|ulpfec/i.test(c.mimeType));
    if (!codec) continue;
    const out = new TrackLocalStaticRTP({ mimeType: codec.mimeType, clockRate: codec.clockRate, ...(codec.channels ? { channels: codec.channels } : {}), ...(codec.sdpFmtpLine ? { sdpFmtpLine: codec.sdpFmtpLine } : {}) }, `reflect-${t.kind}`, 'reflect');
    await t.sender.replaceTrack(out);
    t.direction = 'sendrecv';
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await waitForGathering(pc);
  return { session, answer: pc.localDescription! };
}

/** Offers to a browser with one sendrecv video and audio transceiver that reflect what comes back. */
export async function offerReflect(options: ReflectOptions = {}): Promise<{ session: ReflectSession; offer: RTCSessionDescriptionInit }> {
  const pc = new RTCPeerConnection(options.configuration ?? {}, options.settingEngine ? { settingEngine: options.settingEngine } : {});
  const session = reflectOn(pc, options);
  pc.addTrack(new TrackLocalStaticRTP({ mimeType: 'video/VP8', clockRate: 90000 }, 'reflect-video', 'reflect'));
  pc.addTrack(new TrackLocalStaticRTP({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }, 'reflect-audio', 'reflect'));
  await pc.setLocalDescription(await pc.createOffer());
  await waitForGathering(pc);
  return { session, offer: pc.localDescription! };
}

function reflectOn(pc: RTCPeerConnection, options: ReflectOptions): ReflectSession {
  const reflected = { audio: 0, video: 0 };
  const timers: ReturnType<typeof setInterval>[] = [];
  pc.ontrack = ({ track, transceiver }) => {
    const out = transceiver.sender.track;
    if (!(out instanceof TrackLocalStaticRTP)) return;
    track.onRtp((packet) => {
      out.writeRTP(packet);
      reflected[track.kind]++;
    });
    if (track.kind === 'video') keyFrames(pc, track, options.keyFrameIntervalMs ?? 3000, timers);
  };
  return {
    pc,
    reflected,
    close: () => {
      for (const t of timers) clearInterval(t);
      pc.close();
    },
  };
}

function keyFrames(pc: RTCPeerConnection, track: TrackRemote, intervalMs: number, timers: ReturnType<typeof setInterval>[]): void {
  pc.requestKeyFrame(track);
  timers.push(setInterval(() => pc.requestKeyFrame(track), intervalMs));
}
