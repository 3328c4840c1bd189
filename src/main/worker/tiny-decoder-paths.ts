/**
 * Where a model folder may keep a TAESD-style tiny decoder (checked in this order). `taesd_decoder` is
 * what the studio's own exports use; `vae_decoder_tiny` matches diffusers' AutoencoderTiny naming.
 */
export const TINY_DECODER_PATHS = Object.freeze(['taesd_decoder/model.onnx', 'vae_decoder_tiny/model.onnx', 'taesd/decoder.onnx'])
