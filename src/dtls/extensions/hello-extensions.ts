import { ExtensionType } from '../constants.js';
import { DtlsDecodeError } from '../errors.js';
import { WireReader } from '../wire.js';
import { decodeEcPointFormats, encodeEcPointFormats } from './ec-point-formats.js';
import type { RawExtension } from './extension-list.js';
import { decodeSignatureAlgorithms, encodeSignatureAlgorithms } from './signature-algorithms.js';
import { decodeSupportedGroups, encodeSupportedGroups } from './supported-groups.js';
import { decodeUseSrtp, encodeUseSrtp, type UseSrtpData } from './use-srtp.js';

/** The hello extensions tern-rtc understands; unknown ones are ignored (RFC 5246 §7.4.1.4). */
export interface HelloExtensions {
  supportedGroups?: number[];
  ecPointFormats?: number[];
  signatureAlgorithms?: number[];
  useSrtp?: UseSrtpData;
  /** RFC 7627 §5.1: empty extension_data. */
  extendedMasterSecret?: boolean;
  /** RFC 5746 §3.2: renegotiated_connection (empty on an initial handshake). */
  renegotiationInfo?: Buffer;
}

export function parseHelloExtensions(list: readonly RawExtension[]): HelloExtensions {
  const out: HelloExtensions = {};
  for (const e of list) {
    switch (e.type) {
      case ExtensionType.SupportedGroups:
        out.supportedGroups = decodeSupportedGroups(e.data);
        break;
      case ExtensionType.EcPointFormats:
        out.ecPointFormats = decodeEcPointFormats(e.data);
        break;
      case ExtensionType.SignatureAlgorithms:
        out.signatureAlgorithms = decodeSignatureAlgorithms(e.data);
        break;
      case ExtensionType.UseSrtp:
        out.useSrtp = decodeUseSrtp(e.data);
        break;
      case ExtensionType.ExtendedMasterSecret:
        if (e.data.length !== 0) throw new DtlsDecodeError('extended_master_secret with data');
        out.extendedMasterSecret = true;
        break;
      case ExtensionType.RenegotiationInfo: {
        const r = new WireReader(e.data);
        out.renegotiationInfo = r.vec8('renegotiated_connection');
        r.end('renegotiation_info');
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Encodes in a fixed order; absent fields are left out. */
export function buildHelloExtensions(ext: HelloExtensions): RawExtension[] {
  const out: RawExtension[] = [];
  if (ext.renegotiationInfo) out.push({ type: ExtensionType.RenegotiationInfo, data: Buffer.from([ext.renegotiationInfo.length, ...ext.renegotiationInfo]) });
  if (ext.extendedMasterSecret) out.push({ type: ExtensionType.ExtendedMasterSecret, data: Buffer.alloc(0) });
  if (ext.useSrtp) out.push({ type: ExtensionType.UseSrtp, data: encodeUseSrtp(ext.useSrtp) });
  if (ext.supportedGroups) out.push({ type: ExtensionType.SupportedGroups, data: encodeSupportedGroups(ext.supportedGroups) });
  if (ext.ecPointFormats) out.push({ type: ExtensionType.EcPointFormats, data: encodeEcPointFormats(ext.ecPointFormats) });
  if (ext.signatureAlgorithms) out.push({ type: ExtensionType.SignatureAlgorithms, data: encodeSignatureAlgorithms(ext.signatureAlgorithms) });
  return out;
}
