/**
 * `.caffemodel` files of the facebook/C3D v1.0 release: a NetParameter with V1 `layers` (field 2).
 * The top level and the blobs are walked by hand off the file (see blob.ts); each layer's other
 * fields (name, type, bottom/top, conv/pool/ip params) are small and decoded by protobufjs.
 */
import protobuf from 'protobufjs';
import { ByteCursor, withFile } from '../cursor.js';
import { WeightsError } from '../errors.js';
import { readLength, readTag, readVarint, skipField, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protowire.js';
import { writeFileAtomic } from '../atomic.js';
import { encodeBlob, pushVarint, readBlob, type CaffeBlob } from './blob.js';
import { caffeTypes, FIELD, LAYER_TYPE } from './schema.js';

export interface CaffeLayer {
  name: string;
  /** Layer type enum name (CONVOLUTION3D, INNER_PRODUCT, …) or the number if unknown. */
  type: string;
  bottom: string[];
  top: string[];
  blobs: CaffeBlob[];
  /** The remaining decoded fields (convolution_param, pooling_param, blobs_lr, …). */
  params: Record<string, unknown>;
}

export interface CaffeNet {
  name: string;
  layers: CaffeLayer[];
}

/** Reads a C3D v1.0 caffemodel; throws a WeightsError (file, layer, problem) on anything malformed. */
export function readCaffemodel(path: string): CaffeNet {
  return withFile(path, (c) => {
    if (c.size === 0) throw new WeightsError(path, 'file is empty (0 bytes)');
    const net: CaffeNet = { name: '', layers: [] };
    while (c.pos < c.size) {
      const tag = readTag(c, 'a NetParameter field');
      if (tag.field === FIELD.net.layers && tag.wire === WIRE_LEN) {
        const len = readLength(c, c.size, `layer #${net.layers.length + 1}`);
        net.layers.push(readLayer(c, c.pos + len, net.layers.length + 1));
      } else if (tag.field === FIELD.net.name && tag.wire === WIRE_LEN) {
        net.name = c.bytes(readLength(c, c.size, 'net name'), 'net name').toString('utf8');
      } else if (tag.field === FIELD.net.bvlcLayer) {
        throw new WeightsError(path, "uses BVLC's V2 'layer' field (100); this reader expects the facebook/C3D v1.0 V1 'layers' (2)");
      } else {
        skipField(c, tag, c.size, 'a NetParameter field');
      }
    }
    if (net.layers.length === 0) throw new WeightsError(path, 'no layers found — not a C3D v1.0 caffemodel');
    return net;
  });
}

function readLayer(c: ByteCursor, end: number, index: number): CaffeLayer {
  const blobs: CaffeBlob[] = [];
  const rest = protobuf.Writer.create();
  let label = `#${index}`; // the layer's name once seen (Caffe writes it before the blobs)
  while (c.pos < end) {
    const tag = readTag(c, `layer ${label}`);
    if (tag.field === FIELD.layer.blobs && tag.wire === WIRE_LEN) {
      const len = readLength(c, end, `layer ${label} blob`);
      blobs.push(readBlob(c, c.pos + len, label));
      continue;
    }
    // Re-encode the small fields so protobufjs can decode them against the schema.
    rest.uint32(tag.field * 8 + tag.wire);
    switch (tag.wire) {
      case WIRE_VARINT:
        rest.uint64(readVarint(c, `layer #${index}`));
        break;
      case WIRE_LEN: {
        const payload = c.bytes(readLength(c, end, `layer ${label} field ${tag.field}`), `layer ${label}`);
        if (tag.field === FIELD.layer.name) label = payload.toString('utf8');
        rest.bytes(payload);
        break;
      }
      case WIRE_FIXED32:
        rest.fixed32(c.bytes(4, `layer #${index}`).readUInt32LE(0));
        break;
      case WIRE_FIXED64: {
        const b = c.bytes(8, `layer #${index}`);
        rest.fixed32(b.readUInt32LE(0)).fixed32(b.readUInt32LE(4));
        break;
      }
      default:
        throw new WeightsError(c.file, `malformed protobuf: wire type ${tag.wire} in layer #${index}`);
    }
  }
  if (c.pos !== end) throw new WeightsError(c.file, 'malformed protobuf: layer overruns its length', `#${index}`);
  const { LayerParameter } = caffeTypes();
  let obj: Record<string, unknown>;
  try {
    obj = LayerParameter.toObject(LayerParameter.decode(rest.finish()), { enums: String, defaults: false, longs: Number });
  } catch (e) {
    throw new WeightsError(c.file, `layer fields do not decode with the C3D schema: ${(e as Error).message}`, `#${index}`);
  }
  const { name, type, bottom, top, ...params } = obj as {
    name?: string;
    type?: string | number;
    bottom?: string[];
    top?: string[];
  } & Record<string, unknown>;
  const layerName = name ?? `#${index}`;
  return { name: layerName, type: String(type ?? 'NONE'), bottom: bottom ?? [], top: top ?? [], blobs, params };
}

/** A layer to write: the release's conventions (conv weight 5-D; ip weight (1,1,1,N,K); bias (1,1,1,1,N)). */
export interface CaffeLayerOut {
  name: string;
  type: 'CONVOLUTION3D' | 'INNER_PRODUCT';
  blobs: CaffeBlob[];
}

/** Writes a C3D v1.0 caffemodel holding only the weight-bearing layers (atomically). */
export function writeCaffemodel(path: string, netName: string, layers: CaffeLayerOut[]): void {
  writeFileAtomic(path, (write) => {
    const head: number[] = [];
    head.push((FIELD.net.name << 3) | WIRE_LEN);
    const nameBytes = Buffer.from(netName, 'utf8');
    pushVarint(head, nameBytes.length);
    write(Uint8Array.from(head));
    write(nameBytes);
    for (const layer of layers) {
      const lname = Buffer.from(layer.name, 'utf8');
      const small: number[] = [];
      small.push((4 << 3) | WIRE_LEN);
      pushVarint(small, lname.length);
      small.push(...lname);
      small.push((5 << 3) | WIRE_VARINT);
      pushVarint(small, LAYER_TYPE[layer.type]);
      const blobParts = layer.blobs.map((b) => encodeBlob(b.shape, b.data));
      const blobHeads = blobParts.map((parts) => {
        const h: number[] = [(FIELD.layer.blobs << 3) | WIRE_LEN];
        pushVarint(h, parts[0].length + parts[1].length);
        return Uint8Array.from(h);
      });
      let layerLen = small.length;
      blobParts.forEach((parts, i) => (layerLen += blobHeads[i].length + parts[0].length + parts[1].length));
      const lh: number[] = [(FIELD.net.layers << 3) | WIRE_LEN];
      pushVarint(lh, layerLen);
      write(Uint8Array.from(lh));
      write(Uint8Array.from(small));
      blobParts.forEach((parts, i) => {
        write(blobHeads[i]);
        write(parts[0]);
        write(parts[1]);
      });
    }
  });
}
