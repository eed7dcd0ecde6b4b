/**
 * The subset of the facebook/C3D v1.0 `caffe.proto` we read and write. Its field numbers are NOT the
 * standard BVLC ones (C3D inserted `length` = 3 into BlobProto, shifting height/width/data/diff), so
 * parsing a C3D file with BVLC's schema would silently put the weights in `diff`. Shipped as a string
 * constant so it survives the tsc build; parsed once by protobufjs.
 */
import protobuf from 'protobufjs';

export const C3D_CAFFE_PROTO = `
syntax = "proto2";
package caffe;

message BlobProto {
  optional int32 num = 1 [default = 0];
  optional int32 channels = 2 [default = 0];
  optional int32 length = 3 [default = 0];
  optional int32 height = 4 [default = 0];
  optional int32 width = 5 [default = 0];
  repeated float data = 6 [packed = true];
  repeated float diff = 7 [packed = true];
}

message NetParameter {
  optional string name = 1;
  repeated LayerParameter layers = 2;
}

message LayerParameter {
  repeated string bottom = 2;
  repeated string top = 3;
  optional string name = 4;
  enum LayerType {
    NONE = 0;
    ACCURACY = 1;
    CONCAT = 3;
    DATA = 5;
    DROPOUT = 6;
    EUCLIDEAN_LOSS = 7;
    FLATTEN = 8;
    IMAGE_DATA = 12;
    INNER_PRODUCT = 14;
    LRN = 15;
    POOLING = 17;
    RELU = 18;
    SIGMOID = 19;
    SOFTMAX = 20;
    SOFTMAX_LOSS = 21;
    SPLIT = 22;
    TANH = 23;
    CONVOLUTION3D = 30;
    POOLING3D = 31;
    VIDEO_DATA = 33;
  }
  optional LayerType type = 5;
  repeated BlobProto blobs = 6;
  repeated float blobs_lr = 7;
  repeated float weight_decay = 8;
  optional ConvolutionParameter convolution_param = 10;
  optional InnerProductParameter inner_product_param = 17;
  optional PoolingParameter pooling_param = 19;
}

message ConvolutionParameter {
  optional uint32 num_output = 1;
  optional uint32 pad = 3 [default = 0];
  optional uint32 kernel_size = 4;
  optional uint32 kernel_depth = 6;
  optional uint32 stride = 7 [default = 1];
  optional uint32 temporal_stride = 8 [default = 1];
  optional uint32 temporal_pad = 12 [default = 0];
}

message InnerProductParameter {
  optional uint32 num_output = 1;
}

message PoolingParameter {
  optional uint32 kernel_size = 2;
  optional uint32 stride = 3 [default = 1];
  optional uint32 kernel_depth = 5;
  optional uint32 temporal_stride = 6 [default = 1];
}
`;

/** Field numbers used by the streaming walker (must agree with C3D_CAFFE_PROTO). */
export const FIELD = {
  net: { name: 1, layers: 2, bvlcLayer: 100 },
  layer: { name: 4, blobs: 6 },
  blob: { num: 1, channels: 2, length: 3, height: 4, width: 5, data: 6, diff: 7 },
} as const;

export const LAYER_TYPE = { INNER_PRODUCT: 14, CONVOLUTION3D: 30 } as const;

let root: protobuf.Root | undefined;

/** The parsed schema (parsed on first use). */
export function caffeTypes(): { LayerParameter: protobuf.Type; BlobProto: protobuf.Type; NetParameter: protobuf.Type } {
  root ??= protobuf.parse(C3D_CAFFE_PROTO, { keepCase: true }).root;
  return {
    LayerParameter: root.lookupType('caffe.LayerParameter'),
    BlobProto: root.lookupType('caffe.BlobProto'),
    NetParameter: root.lookupType('caffe.NetParameter'),
  };
}
