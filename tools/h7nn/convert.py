"""The one post-training full-integer conversion every model of ours goes through: TF's
converter with int8 builtins only, calibrated by `representative` (a generator as the
converter takes it), int8 input and output unless float_io (a few single-op test models keep
float I/O to exercise QUANTIZE/DEQUANTIZE). Returns the .tflite bytes."""


def int8_tflite(keras_model, representative, float_io=False):
    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()
